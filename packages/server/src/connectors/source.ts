/**
 * The base of every connector (the contract is in `connector.ts`): a subclass only connects,
 * reads, and acknowledges; this class maps messages to events, keeps order per key, bounds the
 * offers in flight, retries offers the pipeline could not keep, reconnects with backoff and
 * jitter, and counts everything for `health()` and the metrics.
 */
import { randomUUID } from "node:crypto";
import { HeraldError } from "@herald/protocol";
import { ConfigError } from "../config-error.js";
import type { Logger } from "../log.js";
import type { IngestRequest, IngestResult, Refusal } from "../pipeline/ingest.js";
import { backoffDelay, pause } from "./backoff.js";
import type { Connector, ConnectorContext, ConnectorHealth, ConnectorState } from "./connector.js";
import type { ConnectorConfig } from "./connector-config.js";
import { KeyedQueue } from "./keyed-queue.js";
import { Template } from "./mapping.js";
import type { ConnectorMetrics } from "./metrics.js";

/** One message read from a source. */
export interface SourceMessage {
  /**
   * The source's own identity of the message (stream entry id, sequence, LSN); the default
   * event id is `{name}:{sourceId}`. Absent for sources without one (the id is then generated,
   * or taken from the `id` template).
   */
  sourceId?: string;
  /** Messages with the same key are offered one at a time, in source order. */
  key: string;
  /** The event's data. */
  data: unknown;
  /** Fields the topic, event and id templates read (besides `data` and `name`). */
  fields: Record<string, unknown>;
  /** Who signed the message, for the verify stage (e.g. a crawler's signed document). */
  provenance?: { publisher?: string; kid?: string; sig?: string };
}

/** What the gateway hands every connector when it builds it. */
export interface ConnectorDeps {
  log: Logger;
  metrics: ConnectorMetrics;
  /** The gateway's Redis URL (`engine.redisUrl`), the default for Redis connectors. */
  redisUrl: string;
  /** The gateway's Redis key prefix (`engine.keyPrefix`), for keys a connector keeps in Redis. */
  keyPrefix: string;
  /** Deepest JSON nesting accepted in a message body (`limits.maxJsonDepth`). */
  maxJsonDepth: number;
}

/** Builds a connector from its configuration; throws `ConfigError` on a bad option. */
export type ConnectorFactory = (config: ConnectorConfig, deps: ConnectorDeps) => Connector;

/** Thrown to a subclass awaiting `offer` when the connector stops: do not acknowledge. */
export class StoppedError extends Error {
  override readonly name = "StoppedError";
}

export abstract class SourceConnector implements Connector {
  abstract readonly type: string;
  readonly name: string;
  readonly required: boolean;
  protected readonly log: Logger;
  protected context!: ConnectorContext;
  /** Aborted when the connector stops; read loops end on it. */
  protected stopping = new AbortController();
  private readonly queue: KeyedQueue;
  private readonly topic: Template;
  private readonly event: Template;
  private readonly id: Template | undefined;
  private readonly prefix: string;
  private state: ConnectorState = "stopped";
  private counts = { received: 0, accepted: 0, rejected: 0, reconnects: 0 };
  private lagValue: number | undefined;
  private lastError: string | undefined;
  private reconnecting: Promise<void> | undefined;
  /** Connection losses reported so far (a loss during a reconnect attempt fails that attempt). */
  private losses = 0;

  constructor(
    protected readonly config: ConnectorConfig,
    protected readonly deps: ConnectorDeps,
    defaultTopic: string,
  ) {
    this.name = config.name;
    this.required = config.required;
    this.log = deps.log.child({ connector: config.name });
    this.queue = new KeyedQueue(config.maxInFlight);
    this.topic = new Template(config.topic ?? defaultTopic);
    this.event = new Template(config.event);
    this.id = config.id === undefined ? undefined : new Template(config.id);
    this.prefix = config.namespace === "" ? "" : `${config.namespace}.`;
  }

  /** Connects to the source and starts reading; throws when it cannot. */
  protected abstract connect(): Promise<void>;
  /** Stops reading and releases the source's connections; must not throw. */
  protected abstract disconnect(): Promise<void>;

  async start(context: ConnectorContext): Promise<void> {
    if (this.state !== "stopped") return;
    this.context = context;
    this.stopping = new AbortController();
    context.signal.addEventListener("abort", () => void this.stop(), { once: true });
    this.setState("starting");
    try {
      await this.connect();
      this.setState("running");
    } catch (err) {
      if (err instanceof ConfigError) {
        this.lastError = err.message;
        this.setState("failed");
        await this.disconnect();
        throw err;
      }
      this.lost(err);
    }
  }

  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    this.stopping.abort();
    await this.reconnecting;
    await this.queue.idle();
    await this.disconnect();
    this.setState("stopped");
  }

  health(): ConnectorHealth {
    const h: ConnectorHealth = { state: this.state, ...this.counts };
    if (this.lagValue !== undefined) h.lag = this.lagValue;
    if (this.lastError !== undefined && (this.state === "reconnecting" || this.state === "failed")) {
      h.lastError = this.lastError;
    }
    return h;
  }

  /** True once `stop` began. */
  protected get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /** Records how far behind the source the connector is. */
  protected setLag(lag: number): void {
    this.lagValue = lag;
    this.deps.metrics.lag.set({ connector: this.name }, lag);
  }

  /** Resolves once another offer may start (backpressure: read nothing more until then). */
  protected room(): Promise<void> {
    return this.queue.room();
  }

  /** Offers pending right now. */
  protected get inFlight(): number {
    return this.queue.pending;
  }

  /**
   * Offers one message, after every earlier message of its key. Resolves once the pipeline kept
   * it (published, duplicate or dead-lettered): then the subclass may acknowledge it. Offers the
   * pipeline could not keep are retried with backoff (unless `retry: false`: then the refusal is
   * thrown, for sources that retry themselves); rejects with `StoppedError` on stop.
   */
  protected offer(message: SourceMessage, options: { retry?: boolean } = {}): Promise<IngestResult> {
    this.counts.received++;
    this.deps.metrics.received.inc({ connector: this.name });
    const request = this.request(message);
    return this.queue.run(message.key, () => this.offerNow(request, options.retry !== false));
  }

  /** Drops a message a push source cannot hold (counted as received and rejected, logged). */
  protected shed(reason: string): void {
    this.counts.received++;
    this.counts.rejected++;
    this.deps.metrics.received.inc({ connector: this.name });
    this.deps.metrics.rejected.inc({ connector: this.name });
    this.log.warn({ reason }, "message dropped");
  }

  /**
   * Keeps a message the connector itself could not complete (its content is missing, too large,
   * not what it claims) as a dead letter: counted as received and rejected, never published.
   */
  protected async deadLetter(message: SourceMessage, refusal: Refusal): Promise<void> {
    this.counts.received++;
    this.counts.rejected++;
    this.deps.metrics.received.inc({ connector: this.name });
    this.deps.metrics.rejected.inc({ connector: this.name });
    this.log.warn({ code: refusal.code, reason: refusal.reason }, "message dead-lettered by the connector");
    await this.context.sink.reject(this.request(message), refusal);
  }

  /** The publish request for a message (exposed for connectors that answer synchronously). */
  protected request(message: SourceMessage): IngestRequest {
    const fields = { ...message.fields, data: message.data, name: this.name };
    const request: IngestRequest = {
      topic: this.prefix + this.topic.render(fields),
      event: this.event.render(fields),
      data: message.data,
      source: this.name,
    };
    if (message.provenance) Object.assign(request, message.provenance);
    const id =
      this.id?.render(fields) ?? (message.sourceId === undefined ? undefined : `${this.name}:${message.sourceId}`);
    // Without a source identity the id is fixed here, so this connector's own retries of the
    // offer are duplicates rather than new events.
    request.id = id !== undefined && id !== "" ? id : `${this.name}:${randomUUID()}`;
    request.idFromSource = true; // not the publisher's: a signature does not cover it
    return request;
  }

  private async offerNow(request: IngestRequest, retry: boolean): Promise<IngestResult> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) throw new StoppedError(`connector "${this.name}" stopped`);
      try {
        const result = await this.context.sink.offer(request);
        if (result.status === "dead-lettered") {
          this.counts.rejected++;
          this.deps.metrics.rejected.inc({ connector: this.name });
          this.log.warn({ code: result.code, reason: result.reason, topic: request.topic }, "event dead-lettered");
        } else {
          this.counts.accepted++;
          this.deps.metrics.accepted.inc({ connector: this.name });
        }
        return result;
      } catch (err) {
        // Nothing was kept (unavailable, shutting down, timeout): keep the message and retry.
        if (!retry) throw err;
        const code = err instanceof HeraldError ? err.code : "internal";
        this.log.debug({ code, attempt }, "offer not kept; retrying");
        if (!(await pause(backoffDelay(attempt, this.config.reconnect), this.stopping.signal))) {
          throw new StoppedError(`connector "${this.name}" stopped`);
        }
      }
    }
  }

  /**
   * Called by a subclass when its source connection is lost: reconnects with backoff and
   * jitter until it succeeds or the connector stops. Safe to call more than once.
   */
  protected lost(err: unknown): void {
    if (this.stopped) return;
    this.losses++;
    this.lastError = err instanceof Error ? err.message : String(err);
    if (this.reconnecting !== undefined) return;
    this.log.warn({ err: this.lastError }, "source connection lost; reconnecting");
    this.setState("reconnecting");
    this.reconnecting = this.reconnectLoop().finally(() => {
      this.reconnecting = undefined;
    });
  }

  private async reconnectLoop(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      await this.disconnect();
      if (!(await pause(backoffDelay(attempt, this.config.reconnect), this.stopping.signal))) return;
      this.counts.reconnects++;
      this.deps.metrics.reconnects.inc({ connector: this.name });
      const losses = this.losses;
      try {
        await this.connect();
        if (this.stopped) return;
        if (this.losses !== losses) continue; // lost again while connecting
        this.lastError = undefined;
        this.setState("running");
        this.log.info({ attempt }, "source reconnected");
        return;
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
      }
    }
  }

  private setState(state: ConnectorState): void {
    this.state = state;
    this.deps.metrics.up.set({ connector: this.name }, state === "running" ? 1 : 0);
  }
}
