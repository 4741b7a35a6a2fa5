/**
 * NATS connections for connectors: the client's own reconnect is off, because the connector
 * reconnects itself with backoff and resumes from its durable consumer; a closed connection is
 * reported as lost.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";

/** NATS connection options shared by the NATS connectors. */
export const natsUrlSchema = { type: "string", minLength: 1, default: "nats://127.0.0.1:4222" } as const;

/** Connects to `servers`; `onClose` runs when the connection ends for any reason. */
export async function openNats(servers: string, name: string, onClose: (err?: Error) => void): Promise<NatsConnection> {
  const nc = await connect({ servers: servers.split(","), name: `herald-${name}`, reconnect: false, timeout: 5000 });
  void nc.closed().then((err) => onClose(err instanceof Error ? err : new Error("nats connection closed")));
  return nc;
}
