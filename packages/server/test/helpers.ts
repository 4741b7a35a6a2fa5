/**
 * Test helpers: a real gateway on an ephemeral port, and a raw `ws` client that reads frames
 * in order. Integration tests use these instead of mocks.
 */
import { once } from "node:events";
import WebSocket from "ws";
import type { HeraldConfigInput } from "../src/config.js";
import { createGateway, type Gateway, type GatewayOptions } from "../src/gateway.js";

export interface Running {
  gateway: Gateway;
  url: string;
  wsUrl: string;
  close(): Promise<void>;
}

/** Starts a gateway on 127.0.0.1 with an ephemeral port and quiet logs. */
/**
 * A test gateway's configuration: quiet logs, fast shutdown, and anonymous publishing on unless
 * the test says otherwise. Most tests publish from anonymous test clients for brevity; the
 * product refuses that by default (`auth.anonymousPublish: false`, tested on its own in
 * test/security/anonymous-publish.test.ts).
 */
export function testConfig(config: HeraldConfigInput = {}): HeraldConfigInput {
  return {
    ...config,
    auth: { anonymousPublish: true, ...config.auth },
    log: { level: "silent", ...config.log },
    timeouts: { shutdownMs: 200, ...config.timeouts },
  };
}

export async function startGateway(
  config: HeraldConfigInput = {},
  options: Omit<GatewayOptions, "config"> = {},
): Promise<Running> {
  const gateway = createGateway({ defaultMetrics: false, ...options, config: testConfig(config) });
  const { port } = await gateway.listen({ port: 0, host: "127.0.0.1" });
  const url = `http://127.0.0.1:${port}`;
  return { gateway, url, wsUrl: `ws://127.0.0.1:${port}${gateway.config.server.wsPath}`, close: () => gateway.close() };
}

export type Frame = Record<string, unknown> & { type: string };

/** A raw WebSocket client that queues every frame it receives. */
export class TestClient {
  readonly frames: Frame[] = [];
  private waiters: Array<() => void> = [];
  closeCode: number | undefined;
  closed: Promise<number>;
  private nextId = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (raw) => {
      this.frames.push(JSON.parse(raw.toString()) as Frame);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      ws.on("close", (code) => {
        this.closeCode = code;
        this.wake();
        resolve(code);
      });
    });
    ws.on("error", () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Opens a connection; waits for `welcome` unless `waitWelcome` is false. */
  static async connect(
    url: string,
    options: { headers?: Record<string, string>; waitWelcome?: boolean } = {},
  ): Promise<TestClient> {
    const ws = new WebSocket(url, options.headers ? { headers: options.headers } : {});
    const client = new TestClient(ws);
    await Promise.race([
      once(ws, "open"),
      once(ws, "unexpected-response").then(() => Promise.reject(new Error("upgrade refused"))),
    ]);
    if (options.waitWelcome !== false) await client.next("welcome");
    return client;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /**
   * Waits for the first queued frame matching a type or predicate and removes it; other frames
   * stay queued. The deadline only bounds a failure: generous for a loaded machine. @default 15000
   */
  async next(match: string | ((f: Frame) => boolean), timeoutMs = 15_000): Promise<Frame> {
    const pred = typeof match === "string" ? (f: Frame) => f.type === match : match;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex(pred);
      if (i >= 0) return this.frames.splice(i, 1)[0] as Frame;
      if (this.closeCode !== undefined) throw new Error(`connection closed (${this.closeCode}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for a frame; queued: ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a request with a fresh id and waits for its answer (`ack`, `error` or `pong`). */
  async request(frame: Record<string, unknown>): Promise<Frame> {
    const id = `r${++this.nextId}`;
    this.send({ ...frame, id });
    return this.next((f) => (f.type === "ack" || f.type === "error" || f.type === "pong") && f.id === id);
  }

  /** Waits for `n` events (removing them from the queue), in arrival order. */
  async events(n: number, timeoutMs = 15_000): Promise<Frame[]> {
    const out: Frame[] = [];
    while (out.length < n) out.push(await this.next("event", timeoutMs));
    return out;
  }

  close(): void {
    this.ws.close(1000);
  }
}

/** POST JSON and return status + parsed body. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function getJson(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A pause, for pacing only (a feed, a backoff); to wait for something, use `waitFor` (wait-for.ts). */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { waitFor } from "./wait-for.js";
