// Fan-out: 1,000 connections subscribed to one pattern each receive every one of 1,000 events,
// in order. Frames are counted raw (only seq is read) so the clients keep up with the server.
import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import WebSocket from "ws";
import { postJson, startGateway } from "./helpers.js";
import { waitFor } from "./wait-for.js";

const CONNECTIONS = 1000;
const EVENTS = 1000;

describe("fan-out", () => {
  it(`delivers ${EVENTS} events in order to each of ${CONNECTIONS} pattern subscribers`, async () => {
    const g = await startGateway({
      limits: {
        maxConnections: CONNECTIONS + 10,
        maxBatchSize: EVENTS,
        connectionsPerIpPerSecond: 0,
        httpRequestsPerSecond: 0,
      },
    });
    const sockets: WebSocket[] = [];
    try {
      const state = Array.from({ length: CONNECTIONS }, () => ({ last: 0, count: 0, outOfOrder: 0 }));
      let complete = 0;
      let subscribed = 0;
      let allDone!: () => void;
      const done = new Promise<void>((r) => {
        allDone = r;
      });
      for (let i = 0; i < CONNECTIONS; i++) {
        const ws = new WebSocket(g.wsUrl);
        sockets.push(ws);
        const s = state[i] as { last: number; count: number; outOfOrder: number };
        ws.on("message", (raw: Buffer) => {
          const text = raw.toString();
          if (text.startsWith('{"type":"welcome"')) {
            ws.send(JSON.stringify({ type: "subscribe", id: "s", topic: "fan.>" }));
            return;
          }
          if (text.startsWith('{"type":"ack"')) subscribed++;
          if (!text.startsWith('{"type":"event"')) return;
          const seq = Number(/"seq":(\d+)/.exec(text)?.[1]);
          if (seq !== s.last + 1) s.outOfOrder++;
          s.last = seq;
          if (++s.count === EVENTS && ++complete === CONNECTIONS) allDone();
        });
        if (i % 100 === 99) await once(ws, "open");
      }
      // wait until every connection holds its subscription
      await waitFor(() => subscribed >= CONNECTIONS, {
        what: () => `${CONNECTIONS} subscribed connections (${subscribed} so far)`,
        interval: 20,
        timeout: 30_000,
      });
      assert.equal(subscribed, CONNECTIONS);
      const events = Array.from({ length: EVENTS }, (_, i) => ({
        topic: "fan.market.price",
        event: "tick",
        data: { i },
      }));
      const r = await postJson(`${g.url}/api/publish/batch`, { events });
      assert.equal(r.status, 200);
      await done;
      assert.equal(
        state.reduce((n, s) => n + s.count, 0),
        CONNECTIONS * EVENTS,
      );
      assert.equal(
        state.reduce((n, s) => n + s.outOfOrder, 0),
        0,
      );
      assert.ok(state.every((s) => s.last === EVENTS));
    } finally {
      for (const ws of sockets) ws.terminate();
      await g.close();
    }
  });
});
