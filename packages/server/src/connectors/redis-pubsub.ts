/**
 * Redis pub/sub connector: channels and patterns (SUBSCRIBE / PSUBSCRIBE). Redis pub/sub keeps
 * nothing: a message published while the connector is disconnected is gone, and there is no
 * message identity — delivery is at most once from the source. Every subscriber gets every
 * message, so with several nodes set `leader: true`: only the holder of a Redis lock subscribes.
 */
import type { Redis } from "ioredis";
import { ConfigError } from "../config-error.js";
import type { ConnectorConfig } from "./connector-config.js";
import { RedisLeaderLock } from "./leader-redis.js";
import { checkOptions } from "./options.js";
import { closeRedis, openRedis } from "./redis-client.js";
import { type ConnectorDeps, SourceConnector, StoppedError } from "./source.js";

/** `options` of a `redis-pubsub` connector. */
export interface RedisPubSubOptions {
  /** Redis URL. @default engine.redisUrl */
  url?: string;
  /** Channels to SUBSCRIBE to. @default [] */
  channels: string[];
  /** Glob patterns to PSUBSCRIBE to. @default [] */
  patterns: string[];
  /** Subscribe only on the node holding the lock `{engine.keyPrefix}:connector:{name}` (one reader per cluster). @default false */
  leader: boolean;
  /** Lifetime of the leader lock, renewed every third of it, ms. @default 10000 */
  leaderTtlMs: number;
}

const schema = {
  type: "object",
  additionalProperties: false,
  properties: {
    url: { type: "string", pattern: "^rediss?://" },
    channels: { type: "array", items: { type: "string", minLength: 1 }, default: [] },
    patterns: { type: "array", items: { type: "string", minLength: 1 }, default: [] },
    leader: { type: "boolean", default: false },
    leaderTtlMs: { type: "integer", minimum: 100, default: 10_000 },
  },
};

export class RedisPubSubConnector extends SourceConnector {
  readonly type = "redis-pubsub";
  private readonly options: RedisPubSubOptions;
  private redis: Redis | undefined;
  /** The lock connection (a subscribed connection cannot run other commands). */
  private lockRedis: Redis | undefined;
  private lock: RedisLeaderLock | undefined;

  constructor(config: ConnectorConfig, deps: ConnectorDeps) {
    super(config, deps, "{channel}");
    this.options = checkOptions<RedisPubSubOptions>(config.name, schema, config.options);
    if (this.options.channels.length + this.options.patterns.length === 0) {
      throw new ConfigError([`connector "${config.name}": options.channels or options.patterns is needed`]);
    }
  }

  protected async connect(): Promise<void> {
    const redis = await openRedis(this.options.url ?? this.deps.redisUrl, this.name);
    this.redis = redis;
    redis.once("end", () => this.lost(new Error("redis connection closed")));
    redis.on("messageBuffer", (channel: Buffer, message: Buffer) => this.receive(channel.toString(), message));
    redis.on("pmessageBuffer", (_p: Buffer, channel: Buffer, message: Buffer) =>
      this.receive(channel.toString(), message),
    );
    if (!this.options.leader) return this.subscribe(redis);
    const lockRedis = await openRedis(this.options.url ?? this.deps.redisUrl, this.name);
    this.lockRedis = lockRedis;
    lockRedis.once("end", () => this.lost(new Error("redis connection closed")));
    this.lock = new RedisLeaderLock(
      lockRedis,
      `${this.deps.keyPrefix}:connector:${this.name}`,
      (leader) => {
        this.log.info({ leader }, leader ? "leader: subscribing" : "no longer leader: unsubscribing");
        const action = leader ? this.subscribe(redis) : this.unsubscribe(redis);
        action.catch((err) => this.lost(err));
      },
      this.options.leaderTtlMs,
    );
    this.lock.start();
  }

  /** True while this node reads the source (always, unless `leader` is set and another node holds the lock). */
  get leading(): boolean {
    return !this.options.leader || this.lock?.leader === true;
  }

  private async subscribe(redis: Redis): Promise<void> {
    if (this.options.channels.length > 0) await redis.subscribe(...this.options.channels);
    if (this.options.patterns.length > 0) await redis.psubscribe(...this.options.patterns);
  }

  private async unsubscribe(redis: Redis): Promise<void> {
    if (this.options.channels.length > 0) await redis.unsubscribe(...this.options.channels);
    if (this.options.patterns.length > 0) await redis.punsubscribe(...this.options.patterns);
  }

  protected async disconnect(): Promise<void> {
    await this.lock?.stop();
    this.lock = undefined;
    closeRedis(this.lockRedis);
    this.lockRedis = undefined;
    closeRedis(this.redis);
    this.redis = undefined;
  }

  private receive(channel: string, message: Buffer): void {
    const text = message.toString("utf8");
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {}
    this.offer({ key: channel, data, fields: { channel } }).catch((err) => {
      if (!(err instanceof StoppedError)) this.log.error({ err }, "offer failed");
    });
    // Backpressure: stop reading the socket at maxInFlight, so messages wait in Redis's output
    // buffer for this client (bounded by its client-output-buffer-limit) instead of our heap.
    if (this.inFlight >= this.config.maxInFlight && !this.paused) this.pauseSocket();
  }

  private paused = false;

  private pauseSocket(): void {
    const socket = (this.redis as unknown as { stream?: { pause(): void; resume(): void } } | undefined)?.stream;
    if (socket === undefined) return;
    this.paused = true;
    socket.pause();
    void this.room().then(() => {
      this.paused = false;
      socket.resume();
    });
  }
}

/** Builds a `redis-pubsub` connector. */
export function createRedisPubSubConnector(config: ConnectorConfig, deps: ConnectorDeps): RedisPubSubConnector {
  return new RedisPubSubConnector(config, deps);
}
