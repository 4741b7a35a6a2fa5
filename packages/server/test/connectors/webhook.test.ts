import { HeraldError } from "@herald/protocol";
import type { Connector } from "../../src/connectors/connector.js";
import { signWebhook, type WebhookConnector } from "../../src/connectors/webhook.js";
import { connectorSuite, type SuiteMessage } from "../suites/connector.suite.js";

const SECRET = "suite-secret-0123456789";

/** Posts one message the way a sender does, retrying (same delivery id) while the answer says "retry". */
async function send(connector: WebhookConnector, id: string, m: SuiteMessage): Promise<void> {
  const body = Buffer.from(JSON.stringify(m));
  for (;;) {
    const ts = Math.floor(Date.now() / 1000);
    try {
      await connector.receive(body, {
        "x-herald-timestamp": String(ts),
        "x-herald-signature": signWebhook(SECRET, ts, body),
        "x-herald-id": `${id}-${m.key}-${m.n}`,
      });
      return;
    } catch (err) {
      if (!(err instanceof HeraldError) || !["unavailable", "rate_limited", "replayed"].includes(err.code)) throw err;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

connectorSuite("webhook", {
  durable: false,
  options: () => ({ secret: SECRET }),
  async produce(id, messages, connector: Connector) {
    // Each key is one sender posting in order; senders run side by side.
    const byKey = new Map<string, SuiteMessage[]>();
    for (const m of messages) byKey.set(m.key, [...(byKey.get(m.key) ?? []), m]);
    await Promise.all(
      [...byKey.values()].map(async (list) => {
        for (const m of list) await send(connector as WebhookConnector, id, m);
      }),
    );
  },
});
