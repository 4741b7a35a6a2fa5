/**
 * The names of the connector types (`connectors[].type`). The configuration checks names against
 * this list; `registry.ts` maps each name to its factory (and must list every one).
 */
export const CONNECTOR_TYPE_NAMES = [
  "webhook",
  "redis-stream",
  "mqtt",
  "nats",
  "nats-jetstream",
  "pg-logical",
  "pg-listen",
  "redis-pubsub",
  "cometbft",
  "ipfs",
] as const;

export type ConnectorTypeName = (typeof CONNECTOR_TYPE_NAMES)[number];
