/**
 * MQTT connector (`mqtt`, protocol 5): QoS 1 subscriptions in a persistent session, so the
 * broker keeps messages while Herald is away; a message's PUBACK is sent only after the
 * pipeline kept it, so an unacknowledged message is redelivered after a reconnect. The MQTT
 * client processes one incoming message at a time (the PUBACK gates the next), which keeps
 * order per topic; `shareGroup` spreads a subscription over several nodes
 * (`$share/{group}/{filter}`). MQTT messages have no identity of their own: for exactly once
 * to subscribers across a reconnect, map an id from the payload (`id: "{data.id}"`).
 */
import { type IPublishPacket, type MqttClient, connect as mqttConnect } from "mqtt";
import type { ConnectorConfig } from "./connector-config.js";
import { payload } from "./nats-core.js";
import { checkOptions } from "./options.js";
import { type ConnectorDeps, SourceConnector } from "./source.js";

/** `options` of an `mqtt` connector. */
export interface MqttOptions {
  /** Broker URL. @default "mqtt://127.0.0.1:1883" */
  url: string;
  /** Topic filters (`+` and `#` wildcards allowed). */
  topics: string[];
  /** Shared subscription group: filters become `$share/{group}/{filter}`. Absent: a plain subscription. */
  shareGroup?: string;
  /** Client id of the persistent session. @default "herald-{name}" */
  clientId?: string;
  /** Seconds the broker keeps the session (and queued QoS 1 messages) while disconnected. @default 86400 */
  sessionExpirySeconds: number;
  username?: string;
  password?: string;
}

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["topics"],
  properties: {
    url: { type: "string", pattern: "^(mqtts?|wss?|tcp|ssl)://", default: "mqtt://127.0.0.1:1883" },
    topics: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
    shareGroup: { type: "string", pattern: "^[^/+#]+$" },
    clientId: { type: "string", minLength: 1, maxLength: 128 },
    sessionExpirySeconds: { type: "integer", minimum: 0, default: 86_400 },
    username: { type: "string" },
    password: { type: "string" },
  },
};

export class MqttConnector extends SourceConnector {
  readonly type = "mqtt";
  private readonly options: MqttOptions;
  private client: MqttClient | undefined;

  constructor(config: ConnectorConfig, deps: ConnectorDeps) {
    super(config, deps, "{topic}");
    this.options = checkOptions<MqttOptions>(config.name, schema, config.options);
  }

  protected async connect(): Promise<void> {
    const o = this.options;
    const client = mqttConnect(o.url, {
      protocolVersion: 5,
      clientId: o.clientId ?? `herald-${this.name}`,
      clean: false,
      reconnectPeriod: 0, // the connector reconnects with its own backoff
      connectTimeout: 5000,
      properties: { sessionExpiryInterval: o.sessionExpirySeconds },
      ...(o.username === undefined ? {} : { username: o.username }),
      ...(o.password === undefined ? {} : { password: o.password }),
    });
    this.client = client;
    // Set before CONNACK: a resumed session's queued messages arrive right after it.
    // The PUBACK goes out when `done` is called: only after the pipeline kept the message.
    client.handleMessage = (packet: IPublishPacket, done: (err?: Error) => void) => {
      const mqttTopic = packet.topic;
      const data = payload(typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload);
      this.offer({ key: mqttTopic, data, fields: { topic: mqttTopic.replace(/\//g, "."), mqttTopic } }).then(
        () => done(),
        () => {}, // stopped: no PUBACK; the broker redelivers in the next session
      );
    };
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve());
      client.once("error", reject);
      client.once("close", () => reject(new Error("mqtt connection closed")));
    });
    client.on("error", () => {}); // followed by "close"
    client.on("close", () => {
      if (this.client === client) this.lost(new Error("mqtt connection closed"));
    });
    const filters = o.topics.map((t) => (o.shareGroup === undefined ? t : `$share/${o.shareGroup}/${t}`));
    const granted = await client.subscribeAsync(filters, { qos: 1 });
    const refused = granted.filter((g) => g.qos !== 1 && g.qos !== 0);
    if (refused.length > 0) throw new Error(`the broker refused ${refused.map((g) => g.topic).join(", ")}`);
  }

  protected async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    // Forced: messages whose offer did not finish get no PUBACK and are redelivered.
    if (client !== undefined) await client.endAsync(true).catch(() => {});
  }
}

/** Builds an `mqtt` connector. */
export function createMqttConnector(config: ConnectorConfig, deps: ConnectorDeps): MqttConnector {
  return new MqttConnector(config, deps);
}
