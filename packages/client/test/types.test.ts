/**
 * Typed events: a subscription carries its payload type to every listener. The compile-time
 * half of this test is `tsc` (the `@ts-expect-error` lines fail the type check if they ever
 * stop being errors); the run-time half checks the same listener receives the payload.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { WebSocket } from "ws";
import { reservedClosedPort } from "../../server/test/ports.js";
import {
  type ConnectionState,
  createClient,
  describeState,
  type HeraldEvent,
  type Subscription,
} from "../src/index.js";

interface Price {
  price: number;
  currency: string;
}

test("subscriptions, listeners and states are typed", async () => {
  // Never connected; still, a port this test reserved and closed, not one assumed closed.
  const client = createClient({ url: `ws://127.0.0.1:${await reservedClosedPort()}/ws`, WebSocket });
  const sub: Subscription<Price> = client.subscribe<Price>("market.price.CF1-001");
  const prices: number[] = [];
  const off = sub.on("event", (e: HeraldEvent<Price>) => {
    const p: number = e.data.price;
    // @ts-expect-error: Price has no `volume`
    void e.data.volume;
    prices.push(p);
  });
  // @ts-expect-error: subscriptions have no `nope` event
  sub.on("nope", () => {});
  // @ts-expect-error: the payload of `reset` is ResetInfo, not a number
  sub.on("reset", (r: number) => r);

  const statuses: string[] = [];
  client.on("state", (s: ConnectionState) => {
    switch (s.status) {
      case "connected":
        statuses.push(s.client);
        break;
      case "disconnected":
        statuses.push(String(s.retryInMs));
        break;
      case "connecting":
      case "closed":
        statuses.push(describeState(s));
        break;
      default: {
        const never: never = s;
        throw new Error(String(never));
      }
    }
  });

  sub.offer({
    id: "1",
    topic: "market.price.CF1-001",
    event: "price",
    data: { price: 101.5, currency: "EUR" },
    timestamp: 0,
    seq: 1,
    epoch: "e",
    offset: 1,
  });
  assert.deepEqual(prices, [101.5]);
  off();
  assert.equal(sub.listenerCount("event"), 0);
  sub.unsubscribe();
  client.close();
  assert.deepEqual(statuses, []);
});
