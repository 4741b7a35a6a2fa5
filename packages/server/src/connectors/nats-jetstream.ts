/**
 * NATS JetStream connector: a durable pull consumer per connector (created when missing, explicit
 * acks). Messages are fetched only while fewer than `maxInFlight` offers are pending, and each
 * is acknowledged only after the pipeline kept it; an unacknowledged message is redelivered by
 * the server after `ackWaitMs` or after a restart. The event id is `{name}:{stream}:{stream
 * sequence}`, so a redelivery reaches subscribers once. Nodes sharing the durable share the work.
 */
import { AckPolicy, type Consumer, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { ConnectorConfig } from "./connector-config.js";
import { natsUrlSchema, openNats } from "./nats-client.js";
import { payload } from "./nats-core.js";
import { checkOptions } from "./options.js";
import { type ConnectorDeps, SourceConnector, StoppedError } from "./source.js";

/** `options` of a `nats-jetstream` connector. */
export interface JetStreamOptions {
  /** Server URL(s), comma-separated. @default "nats://127.0.0.1:4222" */
  servers: string;
  /** The stream to consume (it must exist). */
  stream: string;
  /** Durable consumer name. @default "herald-{name}" */
  durable?: string;
  /** Only these subjects of the stream. @default [] (all) */
  filterSubjects: string[];
  /** Where a newly created consumer starts: `all` or `new`. @default "all" */
  deliver: "all" | "new";
  /** Unacknowledged messages are redelivered after this long, ms. @default 30000 */
  ackWaitMs: number;
  /** Most messages per fetch. @default 100 */
  batch: number;
  /** How long one fetch waits for messages, ms (at least 1000). @default 1000 */
  expiresMs: number;
}

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["stream"],
  properties: {
    servers: natsUrlSchema,
    stream: { type: "string", pattern: "^[^.*> ]+$" },
    durable: { type: "string", pattern: "^[^.*> ]+$" },
    filterSubjects: { type: "array", items: { type: "string", minLength: 1 }, default: [] },
    deliver: { enum: ["all", "new"], default: "all" },
    ackWaitMs: { type: "integer", minimum: 1000, default: 30_000 },
    batch: { type: "integer", minimum: 1, maximum: 10_000, default: 100 },
    expiresMs: { type: "integer", minimum: 1000, maximum: 60_000, default: 1000 },
  },
};

export class JetStreamConnector extends SourceConnector {
  readonly type = "nats-jetstream";
  private readonly options: JetStreamOptions;
  private readonly durable: string;
  private nc: NatsConnection | undefined;
  private loop: Promise<void> | undefined;

  constructor(config: ConnectorConfig, deps: ConnectorDeps) {
    super(config, deps, "{subject}");
    this.options = checkOptions<JetStreamOptions>(config.name, schema, config.options);
    this.durable = this.options.durable ?? `herald-${config.name}`;
  }

  protected async connect(): Promise<void> {
    const nc = await openNats(this.options.servers, this.name, (err) => {
      if (this.nc === nc) this.lost(err);
    });
    this.nc = nc;
    const jsm = await jetstreamManager(nc);
    const { filterSubjects } = this.options;
    try {
      await jsm.consumers.info(this.options.stream, this.durable);
    } catch {
      await jsm.consumers.add(this.options.stream, {
        durable_name: this.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: this.options.deliver === "new" ? DeliverPolicy.New : DeliverPolicy.All,
        ack_wait: this.options.ackWaitMs * 1_000_000,
        max_ack_pending: Math.max(this.config.maxInFlight * 4, 1000),
        ...(filterSubjects.length === 1 ? { filter_subject: filterSubjects[0] as string } : {}),
        ...(filterSubjects.length > 1 ? { filter_subjects: filterSubjects } : {}),
      });
    }
    const consumer = await jetstream(nc).consumers.get(this.options.stream, this.durable);
    this.loop = this.read(consumer).catch((err) => {
      if (this.nc === nc) this.lost(err);
    });
  }

  protected async disconnect(): Promise<void> {
    const nc = this.nc;
    this.nc = undefined;
    if (nc !== undefined && !nc.isClosed()) await nc.drain().catch(() => {});
    await this.loop;
    this.loop = undefined;
  }

  private async read(consumer: Consumer): Promise<void> {
    let lastLag = 0;
    while (!this.stopped) {
      await this.room();
      if (this.stopped) return;
      const max = Math.max(1, Math.min(this.options.batch, this.config.maxInFlight - this.inFlight));
      const messages = await consumer.fetch({ max_messages: max, expires: this.options.expiresMs });
      for await (const m of messages) {
        const seq = m.seq;
        this.offer({
          sourceId: `${this.options.stream}:${seq}`,
          key: m.subject,
          data: payload(m.data),
          fields: { subject: m.subject, stream: this.options.stream, seq },
        }).then(
          () => m.ack(),
          (err) => {
            // Not acknowledged: the server redelivers it after ackWaitMs (same id → duplicate).
            if (!(err instanceof StoppedError)) this.log.error({ err }, "offer failed");
          },
        );
        await this.room();
        if (this.stopped) break;
      }
      if (Date.now() - lastLag > 2000) {
        lastLag = Date.now();
        const info = await consumer.info(true);
        this.setLag(info.num_pending + info.num_ack_pending);
      }
    }
  }
}

/** Builds a `nats-jetstream` connector. */
export function createJetStreamConnector(config: ConnectorConfig, deps: ConnectorDeps): JetStreamConnector {
  return new JetStreamConnector(config, deps);
}
