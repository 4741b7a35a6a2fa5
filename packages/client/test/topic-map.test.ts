/**
 * A client created with a topic map types its subscriptions by name, without per-call
 * generics. The compile-time half is `tsc` (`npm run typecheck`): each `@ts-expect-error` line
 * fails the type check if it ever stops being an error. The run-time half checks the typed
 * subscription receives the payload from a real gateway.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { WebSocket } from "ws";
import { createClient, type HeraldEvent, type PayloadOf, type Subscription } from "../src/index.js";
import { type Running, startGateway } from "./support.js";

interface Price {
  price: number;
}
interface Vote {
  proposal: string;
  yes: boolean;
}
type Topics = { "market.price.*": Price; "governance.>": Vote; "system.status": string };

/** Compile-time equality. */
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
const yes = <T extends true>(): T => true as T;

// Exact keys, `*` and `>` keys covering concrete topics and narrower patterns; unknown elsewhere.
yes<Equal<PayloadOf<Topics, "system.status">, string>>();
yes<Equal<PayloadOf<Topics, "market.price.CF1-001">, Price>>();
yes<Equal<PayloadOf<Topics, "market.price.*">, Price>>();
yes<Equal<PayloadOf<Topics, "governance.vote.cast">, Vote>>();
yes<Equal<PayloadOf<Topics, "market.volume.CF1-001">, unknown>>();
yes<Equal<PayloadOf<Topics, "market.price.a.b">, unknown>>();
yes<Equal<PayloadOf<Topics, string>, unknown>>();

let g: Running;
before(async () => {
  g = await startGateway({});
});
after(() => g.close());

test("subscriptions are typed by the client's topic map", async () => {
  const client = createClient<Topics>({ url: g.wsUrl, WebSocket });
  try {
    const prices = client.subscribe("market.price.*");
    yes<Equal<typeof prices, Subscription<Price>>>();
    yes<Equal<ReturnType<typeof client.subscribe<never, "governance.vote.cast">>, Subscription<Vote>>>();
    // An explicit type argument still wins, as before the map.
    yes<Equal<ReturnType<typeof client.subscribe<{ any: 1 }>>, Subscription<{ any: 1 }>>>();
    prices.on("event", (e) => {
      // @ts-expect-error: a Price has no `yes`
      void e.data.yes;
    });
    const got = new Promise<HeraldEvent<Price>>((resolve) => prices.on("event", resolve));
    const subscribed = new Promise((resolve) => prices.on("subscribed", resolve));
    client.connect();
    await subscribed;
    await g.gateway.publish("market.price.CF1-001", { price: 101.5 });
    const e = await got;
    const p: number = e.data.price;
    assert.equal(p, 101.5);
  } finally {
    client.close();
  }
});
