/**
 * NATS core connector: subscribes to subjects (wildcards allowed), optionally in a queue group
 * so several nodes share the messages. Core NATS keeps nothing: delivery is at most once from
 * the source (use `nats-jetstream` for at least once). A subscription that falls behind by
 * more than `maxPending` messages is a slow consumer: NATS drops for it, and it is counted.
 */
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { ConnectorConfig } from "./connector-config.js";
import { natsUrlSchema, openNats } from "./nats-client.js";
import { checkOptions } from "./options.js";
import { type ConnectorDeps, SourceConnector, StoppedError } from "./source.js";

/** `options` of a `nats` connector. */
export interface NatsOptions {
  /** Server URL(s), comma-separated. @default "nats://127.0.0.1:4222" */
  servers: string;
  /** Subjects to subscribe to (`*` and `>` wildcards allowed). */
  subjects: string[];
  /** Queue group: nodes in the same group share the messages. Absent: every node gets every message. */
  queue?: string;
  /** Messages held (in flight or waiting) before new ones are dropped and counted as rejected. @default 10000 */
  maxPending: number;
}

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["subjects"],
  properties: {
    servers: natsUrlSchema,
    subjects: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
    queue: { type: "string", minLength: 1 },
    maxPending: { type: "integer", minimum: 1, default: 10_000 },
  },
};

/** Parses a payload as JSON, or keeps it as text. */
export function payload(bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class NatsConnector extends SourceConnector {
  readonly type = "nats";
  private readonly options: NatsOptions;
  private nc: NatsConnection | undefined;
  private readonly subs: Subscription[] = [];

  constructor(config: ConnectorConfig, deps: ConnectorDeps) {
    super(config, deps, "{subject}");
    this.options = checkOptions<NatsOptions>(config.name, schema, config.options);
  }

  protected async connect(): Promise<void> {
    const nc = await openNats(this.options.servers, this.name, (err) => {
      if (this.nc === nc) this.lost(err);
    });
    this.nc = nc;
    for (const subject of this.options.subjects) {
      const sub = nc.subscribe(subject, {
        ...(this.options.queue === undefined ? {} : { queue: this.options.queue }),
        callback: (err, msg) => {
          if (err !== null) return this.lost(err);
          if (this.inFlight >= this.options.maxPending) return this.shed("maxPending reached");
          this.offer({ key: msg.subject, data: payload(msg.data), fields: { subject: msg.subject } }).catch((e) => {
            if (!(e instanceof StoppedError)) this.log.error({ err: e }, "offer failed");
          });
        },
      });
      this.subs.push(sub);
    }
    await nc.flush(); // the subscriptions are registered on the server when start resolves
  }

  protected async disconnect(): Promise<void> {
    const nc = this.nc;
    this.nc = undefined;
    this.subs.length = 0;
    if (nc !== undefined && !nc.isClosed()) await nc.close().catch(() => {});
  }
}

/** Builds a `nats` connector. */
export function createNatsConnector(config: ConnectorConfig, deps: ConnectorDeps): NatsConnector {
  return new NatsConnector(config, deps);
}
