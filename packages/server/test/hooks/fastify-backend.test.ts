// docs/hooks.md's Fastify backend, run as written (its code block, on a free port) with a
// gateway whose hooks point at it: the secret topic is refused, orders are filtered to the EU,
// a published text is rewritten.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { pathToFileURL } from "node:url";
import { type Running, startGateway, TestClient } from "../helpers.js";
import { reservedClosedPort } from "../ports.js";

const root = join(import.meta.dirname, "..", "..", "..", "..");
const dir = mkdtempSync(join(root, "packages", "server", "test", "hooks", ".tmp-backend-"));
let app: { close(): Promise<void> } | undefined;
let g: Running;

before(async () => {
  const doc = readFileSync(join(root, "docs", "hooks.md"), "utf8");
  const code = /```js\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(code, "docs/hooks.md has the backend example");
  const port = await reservedClosedPort();
  // The only change: the port, and the app exported so the test can close it.
  const file = join(dir, "backend.mjs");
  writeFileSync(file, `${code.replace("port: 3000", `port: ${port}, host: "127.0.0.1"`)}\nexport { app };\n`);
  app = ((await import(pathToFileURL(file).href)) as { app: { close(): Promise<void> } }).app;
  const base = `http://127.0.0.1:${port}/herald`;
  g = await startGateway({
    hooks: {
      subscribe: { url: `${base}/subscribe`, namespaces: ["orders", "secret"] },
      publish: { url: `${base}/publish`, namespaces: ["chat"] },
    },
  });
});
after(async () => {
  await g?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("runs docs/hooks.md's backend as written: deny, filter, rewrite", async () => {
  const c = await TestClient.connect(g.wsUrl);
  const denied = await c.request({ type: "subscribe", topic: "secret.plans" });
  assert.deepEqual([denied.code, denied.error], ["forbidden", "not for you"]);
  assert.equal((await c.request({ type: "subscribe", topic: "orders.>" })).type, "ack");
  assert.equal((await c.request({ type: "subscribe", topic: "chat.room" })).type, "ack");
  await g.gateway.publish("orders.1", { region: "us" });
  await g.gateway.publish("orders.2", { region: "eu" });
  assert.deepEqual((await c.next((f) => f.type === "event" && f.topic === "orders.2")).data, { region: "eu" });
  assert.equal((await c.request({ type: "publish", topic: "chat.room", data: { text: "darn" } })).type, "ack");
  assert.deepEqual((await c.next((f) => f.type === "event" && f.topic === "chat.room")).data, { text: "****" });
  assert.equal(
    c.frames.some((f) => f.type === "event" && f.topic === "orders.1"),
    false,
    "the US order was filtered out",
  );
  c.close();
});
