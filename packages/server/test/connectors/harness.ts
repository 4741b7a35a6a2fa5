/**
 * What connector tests share: a real gateway, an Ingest sink into its publish path, a
 * checkpoint store that survives "restarts" of a connector within a test, and a subscriber.
 */
import type { CheckpointStore, Connector } from "../../src/connectors/connector.js";
import type { ConnectorConfig } from "../../src/connectors/connector-config.js";
import { MemoryDeadLetterStore } from "../../src/pipeline/dead-letter-memory.js";
import { Ingest } from "../../src/pipeline/ingest.js";
import { type Running, startGateway, TestClient } from "../helpers.js";
import { buildConnector } from "./support.js";

/** Checkpoints in a map, with the history of every save (to assert they only move forward). */
export class MapCheckpoints implements CheckpointStore {
  readonly saved = new Map<string, string>();
  readonly history: string[] = [];
  async load(name: string): Promise<string | undefined> {
    return this.saved.get(name);
  }
  async save(name: string, checkpoint: string): Promise<void> {
    this.saved.set(name, checkpoint);
    this.history.push(checkpoint);
  }
}

export interface ConnectorRig {
  gateway: Running;
  ingest: Ingest;
  deadLetters: MemoryDeadLetterStore;
  checkpoints: MapCheckpoints;
  start(connector: Connector): Promise<AbortController>;
  /** Builds a connector the way the gateway does, from a `connectors[]` entry. */
  build<C extends Connector>(entry: Partial<ConnectorConfig> & { type: string; name: string }): Promise<C>;
  subscriber(pattern: string): Promise<TestClient>;
  close(): Promise<void>;
}

export async function connectorRig(): Promise<ConnectorRig> {
  const gateway = await startGateway({ namespaces: [{ prefix: "", history: { size: 10_000, ttlSeconds: 0 } }] });
  const deadLetters = new MemoryDeadLetterStore();
  const ingest = new Ingest((r, c) => gateway.gateway.core.publish(r, c), deadLetters);
  const checkpoints = new MapCheckpoints();
  const clients: TestClient[] = [];
  const running: Connector[] = [];
  return {
    gateway,
    ingest,
    deadLetters,
    checkpoints,
    async start(connector) {
      const abort = new AbortController();
      await connector.start({ sink: ingest, checkpoints, signal: abort.signal });
      running.push(connector);
      return abort;
    },
    async build<C extends Connector>(entry: Partial<ConnectorConfig> & { type: string; name: string }) {
      return (await buildConnector(gateway.gateway, entry)) as C;
    },
    async subscriber(pattern) {
      const c = await TestClient.connect(gateway.wsUrl);
      clients.push(c);
      c.send({ type: "subscribe", id: "s", topic: pattern });
      await c.next("ack");
      return c;
    },
    async close() {
      for (const c of running) await c.stop();
      for (const c of clients) c.ws.close();
      await gateway.close();
    },
  };
}
