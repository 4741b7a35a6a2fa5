/**
 * A Socket.IO connection for the transport suite: plain `socket.io-client`, resuming with
 * Herald's own recovery (`since` in the `subscribe` payload, positions from each event's
 * second argument).
 */
import { topicMatches } from "@herald/protocol";
import { io, type Socket } from "socket.io-client";
import type { Running } from "../helpers.js";
import {
  type Received,
  Refused,
  type SuiteConnection,
  type TransportHarness,
  take,
} from "../suites/transport.suite.js";

type Since = { epoch: string; seq?: number; offset?: number };
type Meta = { topic: string; seq: number; epoch: string; offset: number };

function isMeta(v: unknown): v is Meta {
  return (
    typeof v === "object" && v !== null && typeof (v as Meta).topic === "string" && typeof (v as Meta).seq === "number"
  );
}

export class SocketIoConnection implements SuiteConnection {
  readonly socket: Socket;
  private readonly queue: Received[] = [];
  private readonly wake: { fn?: () => void } = {};
  private readonly since = new Map<string, Since>();

  constructor(
    url: string,
    private readonly topics: string[],
    transport: "websocket" | "polling",
    token: string | undefined,
  ) {
    this.socket = io(url, {
      transports: [transport],
      auth: token ? { token } : {},
      reconnection: false,
      forceNew: true,
      autoConnect: false,
    });
    this.socket.onAny((name: string, data: unknown, meta: unknown) => {
      if (!isMeta(meta)) return;
      const exact = this.since.get(meta.topic);
      if (exact?.seq !== undefined) exact.seq = meta.seq;
      for (const [pattern, pos] of this.since) {
        if (pos.offset !== undefined && topicMatches(pattern, meta.topic)) pos.offset = meta.offset;
      }
      this.queue.push({ topic: meta.topic, event: name, seq: meta.seq, data });
      this.wake.fn?.();
    });
  }

  async connect(resume: boolean): Promise<void> {
    const connected = new Promise<void>((resolve, reject) => {
      this.socket.once("connect", () => resolve());
      this.socket.once("connect_error", (err: Error & { data?: { code?: string } }) =>
        reject(new Refused(err.data?.code ?? err.message)),
      );
    });
    this.socket.connect();
    await connected;
    for (const topic of this.topics) {
      const since = resume ? this.since.get(topic) : undefined;
      const answer = (await this.socket
        .timeout(15_000)
        .emitWithAck("subscribe", since ? { topic, since } : { topic })) as Record<string, unknown>;
      if (answer.ok !== true) {
        this.socket.disconnect();
        throw new Refused(String(answer.code));
      }
      if (!resume) {
        const pattern = topic.includes("*") || topic.includes(">");
        this.since.set(
          topic,
          pattern
            ? { epoch: String(answer.epoch), offset: Number(answer.offset) }
            : { epoch: String(answer.epoch), seq: Number(answer.seq) },
        );
      }
    }
  }

  events(n: number): Promise<Received[]> {
    return take(this.queue, n, this.wake);
  }

  async drop(): Promise<void> {
    const gone = new Promise((r) => this.socket.once("disconnect", r));
    // Closes the engine.io connection under the socket, as a network drop does.
    (this.socket.io as unknown as { engine: { close(): void } }).engine.close();
    await gone;
  }

  async resume(): Promise<void> {
    await this.connect(true);
  }

  async close(): Promise<void> {
    this.socket.disconnect();
  }
}

export function socketIoHarness(transport: "websocket" | "polling"): TransportHarness {
  return {
    name: `Socket.IO (${transport})`,
    kind: "socketio",
    async open(g: Running, topics: string[], token?: string) {
      const c = new SocketIoConnection(g.url, topics, transport, token);
      await c.connect(false);
      return c;
    },
    async oversized(g: Running) {
      const c = new SocketIoConnection(g.url, [], transport, undefined);
      await c.connect(false);
      const reason = new Promise<string>((r) => c.socket.once("disconnect", (why) => r(why)));
      c.socket.emit("publish", { topic: "big", data: "x".repeat(8192) });
      return reason;
    },
  };
}
