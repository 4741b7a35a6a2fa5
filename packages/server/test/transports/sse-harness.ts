/**
 * An SSE connection for the transport suite, with the `eventsource` package (the WHATWG
 * `EventSource` for Node). A drop closes the stream; `resume` opens a new one sending the last
 * event id as `Last-Event-ID`, as a browser does when it reconnects.
 */
import { EventSource } from "eventsource";
import type { Running } from "../helpers.js";
import {
  type Received,
  Refused,
  SUITE_EVENT_TYPES,
  type SuiteConnection,
  type TransportHarness,
  take,
} from "../suites/transport.suite.js";

export class SseConnection implements SuiteConnection {
  private es: EventSource | undefined;
  private readonly queue: Received[] = [];
  private readonly wake: { fn?: () => void } = {};
  lastEventId = "";
  /** Control events seen (`ready`, `reset`, `herald_error`, …), in order. */
  readonly control: Array<{ type: string; data: unknown }> = [];

  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly eventTypes: readonly string[] = SUITE_EVENT_TYPES,
  ) {}

  /** Opens the stream; resolves on `ready`, rejects with `Refused` on an HTTP error. */
  open(lastEventId?: string): Promise<void> {
    let refusal: string | undefined;
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (lastEventId) headers["last-event-id"] = lastEventId;
    const es = new EventSource(this.url, {
      fetch: async (input, init) => {
        const res = await fetch(input, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), ...headers },
        });
        if (!res.ok) refusal = ((await res.clone().json()) as { code: string }).code;
        return res;
      },
    });
    this.es = es;
    for (const type of this.eventTypes) {
      es.addEventListener(type, (e) => {
        const f = JSON.parse(e.data) as { topic: string; event: string; seq: number; data: unknown };
        this.lastEventId = e.lastEventId;
        this.queue.push({ topic: f.topic, event: f.event, seq: f.seq, data: f.data });
        this.wake.fn?.();
      });
    }
    for (const type of ["ready", "reset", "herald_error", "welcome", "disconnect"]) {
      es.addEventListener(type, (e) => {
        if (e.lastEventId) this.lastEventId = e.lastEventId;
        this.control.push({ type, data: JSON.parse(e.data) });
        this.wake.fn?.();
      });
    }
    return new Promise<void>((resolve, reject) => {
      es.addEventListener("ready", () => resolve(), { once: true });
      es.addEventListener("error", (e) => {
        if (es.readyState === EventSource.CLOSED) reject(new Refused(refusal ?? `http ${e.code}`));
      });
    });
  }

  events(n: number): Promise<Received[]> {
    return take(this.queue, n, this.wake);
  }

  async drop(): Promise<void> {
    this.es?.close();
  }

  async resume(): Promise<void> {
    await this.open(this.lastEventId);
  }

  async close(): Promise<void> {
    this.es?.close();
  }
}

export function sseUrl(g: Running, topics: string[]): string {
  return `${g.url}/sse?${topics.map((t) => `topic=${encodeURIComponent(t)}`).join("&")}`;
}

export const sseHarness: TransportHarness = {
  name: "SSE (eventsource)",
  kind: "sse",
  async open(g, topics, token) {
    const c = new SseConnection(sseUrl(g, topics), token);
    await c.open();
    return c;
  },
  async oversized(g) {
    const tooMany = Array.from(
      { length: g.gateway.config.limits.maxSubscriptionsPerConnection + 1 },
      (_, i) => `t${i}`,
    );
    const res = await fetch(sseUrl(g, tooMany));
    const body = (await res.json()) as { code: string };
    if (res.status !== 429 || body.code !== "too_many_subscriptions") throw new Error(`accepted: ${res.status}`);
    const long = await fetch(sseUrl(g, ["x".repeat(300)]));
    const longBody = (await long.json()) as { code: string };
    if (long.status !== 400 || longBody.code !== "invalid_topic") throw new Error(`accepted: ${long.status}`);
    return "429 too_many_subscriptions, 400 invalid_topic";
  },
};
