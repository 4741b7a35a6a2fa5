/**
 * Every connector type, by the name used in `connectors[].type`. Adding a type is one line
 * here. Each entry loads its module on first use, so a gateway without, say, an MQTT connector
 * never loads the MQTT client.
 */
import type { ConnectorTypeName } from "./connector-types.js";
import type { ConnectorFactory } from "./source.js";

/** Connector type name → its factory, loaded lazily (one entry per name in connector-types.ts). */
export const CONNECTOR_TYPES: Record<ConnectorTypeName, () => Promise<ConnectorFactory>> = {
  webhook: async () => (await import("./webhook.js")).createWebhookConnector,
  "redis-stream": async () => (await import("./redis-stream.js")).createRedisStreamConnector,
  mqtt: async () => (await import("./mqtt.js")).createMqttConnector,
  nats: async () => (await import("./nats-core.js")).createNatsConnector,
  "nats-jetstream": async () => (await import("./nats-jetstream.js")).createJetStreamConnector,
  "pg-logical": async () => (await import("./pg-logical.js")).createPgLogicalConnector,
  "pg-listen": async () => (await import("./pg-listen.js")).createPgListenConnector,
  "redis-pubsub": async () => (await import("./redis-pubsub.js")).createRedisPubSubConnector,
  cometbft: async () => (await import("./cometbft/cometbft.js")).createCometBftConnector,
  ipfs: async () => (await import("./ipfs/ipfs.js")).createIpfsConnector,
};
