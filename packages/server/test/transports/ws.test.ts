// The transport suite over the native WebSocket protocol (`/ws`), with a raw `ws` client.
import { topicMatches } from "@herald/protocol";
import { type Frame, TestClient } from "../helpers.js";
import { type Received, Refused, type SuiteConnection, transportSuite } from "../suites/transport.suite.js";

class WsConnection implements SuiteConnection {
  private client!: TestClient;
  /** Resume points: `{epoch, seq}` per topic, `{epoch, offset}` per pattern. */
  private readonly since = new Map<string, { epoch: string; seq?: number; offset?: number }>();

  constructor(
    private readonly url: string,
    private readonly topics: string[],
  ) {}

  async connect(resume: boolean): Promise<void> {
    this.client = await TestClient.connect(this.url);
    for (const topic of this.topics) {
      const since = resume ? this.since.get(topic) : undefined;
      const ack = await this.client.request(since ? { type: "subscribe", topic, since } : { type: "subscribe", topic });
      if (ack.type === "error") {
        this.client.close();
        throw new Refused(String(ack.code));
      }
      if (!this.since.has(topic) || !resume) this.since.set(topic, this.position(ack, topic));
    }
  }

  private position(f: Frame, name: string): { epoch: string; seq?: number; offset?: number } {
    return name.includes("*") || name.includes(">")
      ? { epoch: String(f.epoch), offset: Number(f.offset) }
      : { epoch: String(f.epoch), seq: Number(f.seq) };
  }

  async events(n: number): Promise<Received[]> {
    const frames = await this.client.events(n, 15_000);
    for (const f of frames) {
      const exact = this.since.get(String(f.topic));
      if (exact?.seq !== undefined) exact.seq = Number(f.seq);
      for (const [name, pos] of this.since) {
        if (pos.offset !== undefined && topicMatches(name, String(f.topic))) pos.offset = Number(f.offset);
      }
    }
    return frames.map((f) => ({ topic: String(f.topic), event: String(f.event), seq: Number(f.seq), data: f.data }));
  }

  async drop(): Promise<void> {
    this.client.ws.terminate();
    await this.client.closed;
  }

  async resume(): Promise<void> {
    await this.connect(true);
  }

  async close(): Promise<void> {
    this.client.close();
    await this.client.closed;
  }
}

transportSuite({
  name: "native WebSocket",
  kind: "ws",
  async open(g, topics, token) {
    const c = new WsConnection(token ? `${g.wsUrl}?token=${token}` : g.wsUrl, topics);
    await c.connect(false);
    return c;
  },
  async oversized(g) {
    const c = await TestClient.connect(g.wsUrl);
    c.send({ type: "publish", topic: "big", data: "x".repeat(8192) });
    const code = await c.closed;
    if (code !== 1009) throw new Error(`expected 1009, got ${code}`);
    return `closed with ${code}`;
  },
});
