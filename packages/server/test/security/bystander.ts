/**
 * An innocent client that must not notice the attacks: it is subscribed to `news` while a
 * server-side publisher feeds that topic, and at the end it must hold every event, in order,
 * with no gap — and the process must still answer `/healthz`.
 */
import assert from "node:assert/strict";
import type { HeraldConfigInput } from "../../src/config.js";
import { type Running, startGateway, TestClient } from "../helpers.js";
import { waitFor } from "../wait-for.js";

export class Bystander {
  private timer: NodeJS.Timeout | undefined;
  private published = 0;
  private failures = 0;
  /** Publishes not settled yet: `verify` waits for them instead of sleeping. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Hub subscriptions once the bystander alone was subscribed. */
  private baseline = 0;

  private constructor(
    private readonly run: Running,
    readonly client: TestClient,
  ) {}

  /** Connects (with `query`, e.g. `?token=…`), subscribes to `news` and starts the feed (one event per 10 ms). */
  static async start(run: Running, query = ""): Promise<Bystander> {
    const client = await TestClient.connect(`${run.wsUrl}${query}`);
    const ack = await client.request({ type: "subscribe", topic: "news" });
    assert.equal(ack.type, "ack", JSON.stringify(ack));
    const b = new Bystander(run, client);
    b.baseline = run.gateway.core.hub.subscriptions;
    const publish = () => {
      const p = b.run.gateway.publish("news", { n: b.published + 1 }).then(
        () => {
          b.published++;
        },
        () => {
          b.failures++;
        },
      );
      b.inFlight.add(p);
      p.finally(() => b.inFlight.delete(p));
      return p;
    };
    // One event before the attack starts, so the feed is never empty however slow the timers are.
    await publish();
    b.timer = setInterval(publish, 10);
    return b;
  }

  /** Stops the feed (also when a test failed before `verify`). */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Stops the feed and checks that every event arrived, in order, and the server is healthy. */
  async verify(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
    assert.equal(this.failures, 0, "server-side publishes failed");
    assert.ok(this.published > 0, "the feed published nothing");
    const events = await this.client.events(this.published, 10_000);
    for (const [i, e] of events.entries()) assert.equal(e.seq, i + 1, "bystander saw a gap");
    assert.equal(this.client.closeCode, undefined, "bystander was disconnected");
    // Nothing leaked: every attacker's session is gone, only the bystander's remains.
    await waitFor(() => this.run.gateway.core.sessions.size === 1, {
      what: "every session but the bystander's to be released",
    });
    assert.equal(this.run.gateway.core.hub.subscriptions, this.baseline, "attackers' subscriptions were released");
    const health = await fetch(`${this.run.url}/healthz`);
    assert.equal(health.status, 200);
    this.client.close();
  }
}

/**
 * Runs one test against its own gateway with a bystander, and verifies the bystander inside
 * that test (so a failure is reported against the test that caused it, and no test inherits
 * another's rate buckets or sessions). `query` authenticates the bystander (e.g. `?token=…`).
 */
export async function withBystander(
  config: HeraldConfigInput,
  body: (run: Running) => Promise<void>,
  query: () => Promise<string> | string = () => "",
): Promise<void> {
  const run = await startGateway(config);
  let bystander: Bystander | undefined;
  try {
    bystander = await Bystander.start(run, await query());
    await body(run);
    await bystander.verify();
  } finally {
    bystander?.stop();
    await run.close();
  }
}
