/**
 * Redis Streams connector: a consumer group per connector (XREADGROUP), each entry acknowledged
 * (XACK) only after the pipeline kept it; on start the consumer first re-reads its own pending
 * entries, and entries idle in a dead consumer's pending list are taken over (XAUTOCLAIM).
 * Several nodes share a stream's work through the group. The event id is
 * `{name}:{stream}:{entry id}`, so an entry read twice reaches subscribers once.
 */
import { hostname } from "node:os";
import type { Redis } from "ioredis";
import type { ConnectorConfig } from "./connector-config.js";
import { checkOptions } from "./options.js";
import { closeRedis, openRedis } from "./redis-client.js";
import { type ConnectorDeps, SourceConnector, StoppedError } from "./source.js";

/** `options` of a `redis-stream` connector. */
export interface RedisStreamOptions {
  /** Redis URL. @default engine.redisUrl */
  url?: string;
  /** Stream keys to read. */
  streams: string[];
  /** Consumer group (created with MKSTREAM when missing). @default "herald" */
  group: string;
  /** This node's consumer name. @default "{hostname}-{pid}" */
  consumer?: string;
  /** Where a newly created group starts: `$` (new entries) or `0` (the whole stream). @default "$" */
  startId: string;
  /** Most entries read per XREADGROUP. @default 100 */
  batch: number;
  /** How long one XREADGROUP blocks, ms. @default 2000 */
  blockMs: number;
  /** Pending entries idle this long in any consumer are claimed (XAUTOCLAIM); 0 disables it. @default 30000 */
  claimIdleMs: number;
  /** Entry field holding the JSON data; when an entry lacks it, all its fields are the data. @default "data" */
  dataField: string;
  /** Entry field whose value orders entries (order per key); absent: order per stream. */
  keyField?: string;
}

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["streams"],
  properties: {
    url: { type: "string", pattern: "^rediss?://" },
    streams: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
    group: { type: "string", minLength: 1, default: "herald" },
    consumer: { type: "string", minLength: 1 },
    startId: { type: "string", pattern: "^(\\$|0|\\d+-\\d+)$", default: "$" },
    batch: { type: "integer", minimum: 1, maximum: 10_000, default: 100 },
    blockMs: { type: "integer", minimum: 1, maximum: 60_000, default: 2000 },
    claimIdleMs: { type: "integer", minimum: 0, default: 30_000 },
    dataField: { type: "string", minLength: 1, default: "data" },
    keyField: { type: "string", minLength: 1 },
  },
};

type Entry = [id: string, fields: string[]];

export class RedisStreamConnector extends SourceConnector {
  readonly type = "redis-stream";
  private readonly options: RedisStreamOptions;
  private readonly url: string;
  private readonly consumer: string;
  private reader: Redis | undefined;
  private writer: Redis | undefined;
  private loop: Promise<void> | undefined;

  constructor(config: ConnectorConfig, deps: ConnectorDeps) {
    super(config, deps, "{stream}");
    this.options = checkOptions<RedisStreamOptions>(config.name, schema, config.options);
    this.url = this.options.url ?? deps.redisUrl;
    this.consumer = this.options.consumer ?? `${hostname()}-${process.pid}`;
  }

  protected async connect(): Promise<void> {
    this.writer = await openRedis(this.url, this.name);
    this.reader = await openRedis(this.url, this.name);
    for (const stream of this.options.streams) {
      try {
        await this.writer.xgroup("CREATE", stream, this.options.group, this.options.startId, "MKSTREAM");
      } catch (err) {
        if (!String((err as Error).message).includes("BUSYGROUP")) throw err;
      }
    }
    const reader = this.reader;
    const writer = this.writer;
    const onEnd = () => this.lost(new Error("redis connection closed"));
    reader.once("end", onEnd);
    writer.once("end", onEnd);
    this.loop = this.read(reader, writer).catch((err) => this.lost(err));
  }

  protected async disconnect(): Promise<void> {
    closeRedis(this.reader); // unblocks XREADGROUP; acknowledgements still go out on the writer
    await this.settled();
    closeRedis(this.writer);
    this.reader = undefined;
    this.writer = undefined;
    await this.loop;
    this.loop = undefined;
  }

  private async read(reader: Redis, writer: Redis): Promise<void> {
    const { streams, group, batch, blockMs, claimIdleMs } = this.options;
    // Entries this consumer read before a restart or reconnect and never acknowledged come first.
    for (;;) {
      const replies = (await reader.xreadgroup(
        "GROUP",
        group,
        this.consumer,
        "COUNT",
        batch,
        "STREAMS",
        ...streams,
        ...streams.map(() => "0"),
      )) as Array<[string, Entry[]]> | null;
      const entries = (replies ?? []).flatMap(([stream, list]) => list.map((e) => [stream, e] as const));
      const fresh = entries.filter(([, e]) => !this.handled.has(e[0]));
      if (fresh.length === 0) break;
      for (const [stream, entry] of fresh) await this.handle(writer, stream, entry);
      await this.settled();
    }
    this.handled.clear();
    let lastClaim = Date.now();
    while (!this.stopped) {
      await this.room();
      if (this.stopped) return;
      const count = Math.max(1, Math.min(batch, this.config.maxInFlight - this.inFlight));
      const replies = (await reader.xreadgroup(
        "GROUP",
        group,
        this.consumer,
        "COUNT",
        count,
        "BLOCK",
        blockMs,
        "STREAMS",
        ...streams,
        ...streams.map(() => ">"),
      )) as Array<[string, Entry[]]> | null;
      for (const [stream, list] of replies ?? []) for (const entry of list) await this.handle(writer, stream, entry);
      if (claimIdleMs > 0 && Date.now() - lastClaim >= claimIdleMs / 2) {
        lastClaim = Date.now();
        await this.claim(writer);
      }
    }
  }

  /** Entry ids offered during the pending pass, so a slow ack does not offer them twice. */
  private readonly handled = new Set<string>();
  private readonly acks = new Set<Promise<void>>();

  private async settled(): Promise<void> {
    await Promise.all([...this.acks]);
  }

  /** Takes over entries idle too long in any consumer (one that died), and records the lag. */
  private async claim(writer: Redis): Promise<void> {
    for (const stream of this.options.streams) {
      const [, entries] = (await writer.xautoclaim(
        stream,
        this.options.group,
        this.consumer,
        this.options.claimIdleMs,
        "0-0",
        "COUNT",
        this.options.batch,
      )) as [string, Entry[], string[]];
      for (const entry of entries) if (entry !== null) await this.handle(writer, stream, entry);
    }
    await this.measureLag(writer);
  }

  private async measureLag(writer: Redis): Promise<void> {
    let lag = 0;
    for (const stream of this.options.streams) {
      const groups = (await writer.xinfo("GROUPS", stream)) as unknown[][];
      for (const g of groups) {
        const info: Record<string, unknown> = {};
        for (let i = 0; i + 1 < g.length; i += 2) info[String(g[i])] = g[i + 1];
        if (info.name === this.options.group) lag += Number(info.lag ?? 0) + Number(info.pending ?? 0);
      }
    }
    this.setLag(lag);
  }

  private async handle(writer: Redis, stream: string, [id, flat]: Entry): Promise<void> {
    await this.room();
    this.handled.add(id);
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    const raw = fields[this.options.dataField];
    let data: unknown = fields;
    if (raw !== undefined) {
      try {
        data = JSON.parse(raw);
      } catch {
        data = raw;
      }
    }
    const keyField = this.options.keyField;
    const key = keyField === undefined ? stream : `${stream}\u0000${fields[keyField] ?? ""}`;
    const ack = this.offer({ sourceId: `${stream}:${id}`, key, data, fields: { stream, entryId: id, fields } })
      .then(async () => {
        await writer.xack(stream, this.options.group, id);
      })
      .catch((err) => {
        // Not acknowledged: the entry stays pending and is offered again (same id → duplicate).
        if (!(err instanceof StoppedError)) this.lost(err);
      });
    this.acks.add(ack);
    void ack.finally(() => this.acks.delete(ack));
  }
}

/** Builds a `redis-stream` connector. */
export function createRedisStreamConnector(config: ConnectorConfig, deps: ConnectorDeps): RedisStreamConnector {
  return new RedisStreamConnector(config, deps);
}
