// Rebuilding a state document a node did not see from the topic's first event, against the real
// memory broker: the events that arrive live while the rebuild reads the history — after its
// last page — are applied once, in order, and nothing is applied twice.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import type { HeraldEvent } from "@herald/protocol";
import { DEFAULTS } from "../config.js";
import type { Broker } from "../engine/broker.js";
import { MemoryBroker } from "../engine/broker-memory.js";
import { Namespaces } from "../hub/namespaces.js";
import { LazyStore } from "../store/lazy-store.js";
import { SqliteStore } from "../store/store-sqlite.js";
import { applyDelta, type StateDelta, type StateDocument } from "./document.js";
import { StateTopics } from "./state-topics.js";

const dir = mkdtempSync(join(tmpdir(), "herald-state-topics-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const namespaces = new Namespaces([
  { ...DEFAULTS.namespaces[0], prefix: "" },
  { ...DEFAULTS.namespaces[0], prefix: "doc", durable: true, state: true, history: { size: 1000, ttlSeconds: 0 } },
] as typeof DEFAULTS.namespaces);

it("applies the live events that arrive after the rebuild's last history read, each once", async () => {
  const broker = new MemoryBroker({ namespaces, recovery: DEFAULTS.recovery, idempotency: DEFAULTS.idempotency });
  await broker.start();
  const writer = new StateTopics({ namespaces, store: new LazyStore(new SqliteStore({ path: join(dir, "a.db") })) });
  const all: HeraldEvent[] = [];
  broker.onEvent((e) => all.push(e));
  const publish = async (i: number) => {
    await broker.publish(writer.prepare({ topic: "doc.1", data: { [`k${i % 3}`]: i, n: i } }));
  };
  for (let i = 1; i <= 10; i++) await publish(i);
  // A second node that missed the start: its live listener feeds `apply`.
  const late = new StateTopics({ namespaces, store: new LazyStore(new SqliteStore({ path: join(dir, "b.db") })) });
  let delivered = all.length;
  const live = () => {
    for (; delivered < all.length; delivered++) late.apply(all[delivered] as HeraldEvent);
  };
  live(); // seq 1..10 arrive before anything asked for the topic: not applied to a partial document
  assert.deepEqual(late.snapshot("doc.1"), { epoch: undefined, seq: 0, state: {}, clocks: {} });
  // The history read that finds nothing more is answered only after five more events went live.
  const slow: Broker = Object.create(broker);
  slow.history = async (topic, query) => {
    const page = await broker.history(topic, query);
    if (page.events.length === 0) {
      for (let i = 11; i <= 15; i++) await publish(i);
      live();
    }
    return page;
  };
  await late.ensure("doc.1", slow);
  live();
  const expected: StateDocument = { state: {}, clocks: {} };
  for (const e of all) applyDelta(expected, e.data as StateDelta);
  const snap = late.snapshot("doc.1");
  assert.equal(snap?.seq, 15);
  assert.deepEqual(snap?.state, expected.state);
  await broker.close();
});
