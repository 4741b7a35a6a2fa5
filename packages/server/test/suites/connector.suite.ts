/**
 * The shared connector suite: every connector type runs these cases unchanged against its real
 * source (Redis, NATS, Mosquitto, Postgres, HTTP). Events go through the real publish path of a
 * real gateway; failures of the pipeline are injected in front of it (`FaultSink`), never in
 * the source. Cases that need a source that keeps messages (resume, redelivery after a stop)
 * run for the sources that do (`durable`); the others do not promise it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MemoryCheckpointStore } from "../../src/connectors/checkpoint-memory.js";
import type { Connector } from "../../src/connectors/connector.js";
import type { ConnectorConfig } from "../../src/connectors/connector-config.js";
import { MemoryDeadLetterStore } from "../../src/pipeline/dead-letter-memory.js";
import { Ingest } from "../../src/pipeline/ingest.js";
import { buildConnector, Collector, FaultSink, run, unique, waitUntil } from "../connectors/support.js";
import { type Running, startGateway, TestClient } from "../helpers.js";

/** One message the suite writes: `key` orders, `n` counts per key from 1. */
export interface SuiteMessage {
  key: string;
  n: number;
}

export interface SourceHarness {
  /** Options of a connector reading a fresh source named after `id`. */
  options(id: string): Record<string, unknown>;
  /** Writes the messages to that source, in order (a webhook posts them to `connector`). */
  produce(id: string, messages: readonly SuiteMessage[], connector: Connector): Promise<void>;
  /** The source keeps what arrives while the connector is stopped and redelivers what was not acknowledged. */
  durable: boolean;
  /**
   * Messages a push source may read past `maxInFlight` before its pause takes effect (what one
   * socket read carried). @default 0
   */
  overshoot?: number;
  /** Offers of different keys may overlap (false where the client library acknowledges one message at a time). @default true */
  concurrent?: boolean;
  /** Other fields of the connector entry. */
  entry?: Partial<ConnectorConfig>;
  /** Prepares the source for `id` before a connector reads it (idempotent: runs before every start). */
  prepare?(id: string): Promise<void>;
  /** Removes the source's data for `id`. */
  cleanup?(id: string): Promise<void>;
  /** Runs once before / after the suite (private servers, tables). */
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
}

function messages(keys: readonly string[], perKey: number): SuiteMessage[] {
  const out: SuiteMessage[] = [];
  for (let n = 1; n <= perKey; n++) for (const key of keys) out.push({ key, n });
  return out;
}

export function connectorSuite(type: string, h: SourceHarness): void {
  describe(`Connector contract: ${type}`, () => {
    let gw: Running;
    const live: Connector[] = [];
    const ids: string[] = [];

    before(async () => {
      await h.setup?.();
      gw = await startGateway({});
    });
    after(async () => {
      for (const c of live) await c.stop();
      await gw.close();
      for (const id of ids) await h.cleanup?.(id);
      await h.teardown?.();
    });

    async function connector(
      id: string,
      sink: FaultSink,
      extra: Partial<ConnectorConfig> = {},
      checkpoints = new MemoryCheckpointStore(),
    ) {
      await h.prepare?.(id);
      const c = await buildConnector(gw.gateway, {
        type,
        name: `c${id}`,
        topic: `t${id}.{data.key}`,
        options: h.options(id),
        reconnect: { initialMs: 20, maxMs: 500 },
        ...h.entry,
        ...extra,
      });
      live.push(c);
      await run(c, sink, checkpoints);
      return c;
    }

    function fresh(): { id: string; sink: FaultSink; seen: Collector } {
      const id = unique();
      ids.push(id);
      const ingest = new Ingest((r, ctx) => gw.gateway.core.publish(r, ctx), new MemoryDeadLetterStore());
      return { id, sink: new FaultSink(ingest), seen: new Collector(gw.gateway, `t${id}`) };
    }

    it("delivers every message to subscribers on the mapped topic, with the connector as source", async () => {
      const { id, sink, seen } = fresh();
      const c = await connector(id, sink);
      const client = await TestClient.connect(gw.wsUrl);
      client.send({ type: "subscribe", id: "s", topic: `t${id}.>` });
      await client.next((f) => f.type === "ack" && f.id === "s");
      await h.produce(id, messages(["a", "b"], 5), c);
      await waitUntil(() => seen.events.length >= 10, "10 events committed");
      const frames = [];
      for (let i = 0; i < 10; i++) frames.push(await client.next("event"));
      client.ws.close();
      assert.deepEqual(
        frames.map((f) => f.source),
        Array(10).fill(`c${id}`),
      );
      assert.deepEqual(new Set(frames.map((f) => f.topic)), new Set([`t${id}.a`, `t${id}.b`]));
      assert.deepEqual(seen.numbers("a"), [1, 2, 3, 4, 5]);
      assert.equal(c.health().received, 10);
      assert.equal(c.health().accepted, 10);
      assert.equal(c.health().state, "running");
    });

    it("keeps source order per key", async () => {
      const { id, sink, seen } = fresh();
      sink.delayMs = 1; // offers overlap, so a reordering would show
      const c = await connector(id, sink, { maxInFlight: 8 });
      await h.produce(id, messages(["a", "b", "c"], 12), c);
      await waitUntil(() => seen.events.length >= 36, "36 events committed");
      for (const key of ["a", "b", "c"]) {
        assert.deepEqual(
          seen.numbers(key),
          Array.from({ length: 12 }, (_, i) => i + 1),
          `order of key ${key}`,
        );
      }
    });

    it("a message offered again after it was kept reaches subscribers exactly once", async () => {
      const { id, sink, seen } = fresh();
      sink.fault = "kept-but-refused";
      const c = await connector(id, sink);
      await h.produce(id, messages(["a", "b"], 6), c);
      await waitUntil(() => c.health().accepted >= 12, "12 offers accepted after the injected refusals");
      assert.deepEqual(seen.numbers("a"), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(seen.numbers("b"), [1, 2, 3, 4, 5, 6]);
      assert.equal(seen.events.length, 12);
    });

    it("offers again what the pipeline did not keep, in order", async () => {
      const { id, sink, seen } = fresh();
      sink.fault = "refuse-first";
      const c = await connector(id, sink);
      await h.produce(id, messages(["a"], 8), c);
      await waitUntil(() => seen.events.length >= 8, "8 events committed after refusals");
      assert.deepEqual(seen.numbers("a"), [1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it("reads no further than maxInFlight while the pipeline is slow", async () => {
      const { id, sink, seen } = fresh();
      sink.delayMs = 5;
      const maxInFlight = 4;
      let worst = 0;
      let c: Connector | undefined;
      sink.onOffer = () => {
        const hh = c?.health();
        if (hh !== undefined) worst = Math.max(worst, hh.received - hh.accepted - hh.rejected);
      };
      c = await connector(id, sink, { maxInFlight });
      const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
      await h.produce(id, messages(keys, 4), c);
      await waitUntil(() => seen.events.length >= 40, "40 events committed");
      assert.ok(worst <= maxInFlight + (h.overshoot ?? 0), `read ${worst} messages ahead of the pipeline`);
      assert.ok(sink.maxConcurrent <= maxInFlight, `${sink.maxConcurrent} offers ran at once`);
      if (h.concurrent !== false) assert.ok(sink.maxConcurrent >= 2, "offers of different keys overlapped");
    });

    if (h.durable) {
      it("acknowledges nothing that was not kept: after a stop, a new instance delivers it", async () => {
        const { id, sink, seen } = fresh();
        const checkpoints = new MemoryCheckpointStore();
        sink.fault = "refuse-all";
        const first = await connector(id, sink, {}, checkpoints);
        await h.produce(id, messages(["a"], 5), first);
        await waitUntil(() => first.health().received >= 1, "the first message read");
        await first.stop();
        assert.equal(seen.events.length, 0);
        sink.fault = "none";
        await connector(id, sink, {}, checkpoints);
        await waitUntil(() => seen.events.length >= 5, "5 events committed by the second instance");
        assert.deepEqual(seen.numbers("a"), [1, 2, 3, 4, 5]);
      });

      it("resumes after stop and start without loss or repeat", async () => {
        const { id, sink, seen } = fresh();
        const checkpoints = new MemoryCheckpointStore();
        const first = await connector(id, sink, {}, checkpoints);
        await h.produce(id, messages(["a"], 5), first);
        await waitUntil(() => seen.events.length >= 5, "5 events before the stop");
        await first.stop();
        assert.equal(first.health().state, "stopped");
        await h.produce(id, messages(["a"], 10).slice(5), first);
        await connector(id, sink, {}, checkpoints);
        await waitUntil(() => seen.events.length >= 10, "10 events after the restart");
        assert.deepEqual(seen.numbers("a"), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      });
    }
  });
}
