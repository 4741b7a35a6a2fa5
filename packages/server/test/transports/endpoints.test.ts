// Configured WebSocket endpoints: path parameters, auto-subscriptions, the personal topic, a
// pattern, the typed `{type, data, timestamp}` envelope, resume with `since`, and config checks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mintToken } from "../../src/auth/jwt.js";
import { resolveConfig } from "../../src/config.js";
import { type Running, startGateway, TestClient } from "../helpers.js";

const secret = "endpoints-test-secret-0123456789abcdef";

const endpoints = [
  { path: "/api/v1/ws/analysis/:contentId", subscribe: ["analysis.{contentId}"], envelope: "typed" as const },
  { path: "/api/v1/ws/notifications", subscribe: ["{personal}"], envelope: "typed" as const },
  { path: "/api/v1/ws/dashboard", subscribe: ["dashboard.>"] },
];

const ws = (g: Running, path: string) => g.url.replace("http", "ws") + path;

/** Typed messages arrive as {type, data, timestamp}; this reads the next one matching `pred`. */
async function nextTyped(c: TestClient, pred: (m: { type: string; data: Record<string, unknown> }) => boolean) {
  return (await c.next((f) => pred(f as never))) as unknown as {
    type: string;
    data: Record<string, unknown>;
    timestamp: number;
  };
}

describe("configured WebSocket endpoints", () => {
  it("subscribes a parameterised path to its topic and wraps messages in the typed envelope", async () => {
    const g = await startGateway({ endpoints });
    const c = await TestClient.connect(ws(g, "/api/v1/ws/analysis/c-42"), { waitWelcome: false });
    try {
      const welcome = await nextTyped(c, (m) => m.data.type === "welcome");
      assert.equal(welcome.type, "success");
      assert.equal(typeof welcome.timestamp, "number");
      const ack = await nextTyped(c, (m) => m.data.type === "ack");
      assert.deepEqual([ack.type, ack.data.topic, ack.data.seq], ["success", "analysis.c-42", 0]);
      await g.gateway.publish("analysis.c-41", { progress: 0 });
      await g.gateway.publish("analysis.c-42", { progress: 50 }, { event: "analysis_progress" });
      const update = await nextTyped(c, (m) => m.type === "update");
      assert.equal(update.data.topic, "analysis.c-42");
      assert.equal(update.data.event, "analysis_progress");
      assert.deepEqual(update.data.data, { progress: 50 });
      // Same protocol inbound; errors come back typed too.
      c.send({ type: "subscribe", topic: "bad..topic", id: "s1" });
      const err = await nextTyped(c, (m) => m.type === "error");
      assert.deepEqual([err.data.code, err.data.id], ["invalid_topic", "s1"]);
    } finally {
      c.close();
      await g.close();
    }
  });

  it("subscribes /notifications to the user's personal topic (after an auth frame too)", async () => {
    const g = await startGateway({ endpoints, auth: { anonymous: false, jwtSecret: secret } });
    const token = await mintToken(secret, "u-7");
    const c = await TestClient.connect(ws(g, "/api/v1/ws/notifications"), { waitWelcome: false });
    try {
      c.send({ type: "auth", token });
      const ack = await nextTyped(c, (m) => m.data.type === "ack" && m.data.topic !== undefined);
      assert.equal(ack.data.topic, "user.u-7");
      await g.gateway.sendToUser("u-7", "verification_complete", { verdict: "ok" });
      const update = await nextTyped(c, (m) => m.type === "update");
      assert.deepEqual([update.data.event, update.data.data], ["verification_complete", { verdict: "ok" }]);
    } finally {
      c.close();
      await g.close();
    }
  });

  it("serves native frames on a pattern endpoint and resumes with since", async () => {
    const g = await startGateway({ endpoints });
    try {
      const c = await TestClient.connect(ws(g, "/api/v1/ws/dashboard"));
      const ack = await c.next("ack");
      assert.equal(ack.topic, "dashboard.>");
      await g.gateway.publish("dashboard.cpu", 1);
      const [e1] = await c.events(1);
      c.close();
      await c.closed;
      await g.gateway.publish("dashboard.mem", 2);
      await g.gateway.publish("dashboard.cpu", 3);
      const back = await TestClient.connect(ws(g, `/api/v1/ws/dashboard?since=${ack.epoch}:${e1?.offset}`));
      const ack2 = await back.next("ack");
      assert.deepEqual([ack2.recovered, ack2.replayed], [true, 2]);
      assert.deepEqual(
        (await back.events(2)).map((e) => e.data),
        [2, 3],
      );
      back.close();
      const bad = await TestClient.connect(ws(g, "/api/v1/ws/dashboard?since=nonsense"));
      assert.equal((await bad.next("error")).code, "invalid_position");
      bad.close();
    } finally {
      await g.close();
    }
  });

  it("refuses paths it does not serve and parameters that cannot be topic segments", async () => {
    const g = await startGateway({ endpoints });
    try {
      await assert.rejects(TestClient.connect(ws(g, "/api/v1/ws/unknown")), /upgrade refused/);
      const c = await TestClient.connect(ws(g, "/api/v1/ws/analysis/a%20b"), { waitWelcome: false });
      const err = await nextTyped(c, (m) => m.type === "error");
      assert.equal(err.data.code, "invalid_topic");
      c.close();
    } finally {
      await g.close();
    }
  });

  it("rejects bad endpoint configuration with one precise line per problem", () => {
    assert.throws(
      () =>
        resolveConfig({
          endpoints: [
            { path: "/a/:id", subscribe: ["x.{other}"] },
            { path: "/ws", subscribe: ["y"] },
            { path: "/b", subscribe: ["bad..topic"] },
            { path: "/b", subscribe: ["z"], envelope: "xml" as never },
          ],
        }),
      (err: { problems: string[] }) => {
        const text = err.problems.join("\n");
        assert.match(text, /config\.endpoints\[3\]\.envelope must be one of "native", "typed"/);
        return true;
      },
    );
    assert.throws(
      () =>
        resolveConfig({
          endpoints: [
            { path: "/a/:id", subscribe: ["x.{other}"] },
            { path: "/ws", subscribe: ["y"] },
            { path: "/b", subscribe: ["bad..topic"] },
            { path: "/b", subscribe: ["z"] },
          ],
        }),
      (err: { problems: string[] }) => {
        const text = err.problems.join("\n");
        assert.match(text, /\{other\}, which is not a parameter/);
        assert.match(text, /"\/ws" collides with a built-in path/);
        assert.match(text, /subscribe\[0\] "bad\.\.topic"/);
        assert.match(text, /"\/b" is declared twice/);
        return true;
      },
    );
  });
});

describe("configured endpoint event names", () => {
  it("renames event types per endpoint, in native and typed frames, leaving other endpoints alone", async () => {
    const g = await startGateway({
      endpoints: [
        { path: "/bell", subscribe: ["bell.news"], eventNames: { notification: "new_notification" } },
        {
          path: "/bell-typed",
          subscribe: ["bell.news"],
          envelope: "typed",
          eventNames: { notification: "new_notification" },
        },
        { path: "/plain", subscribe: ["bell.news"] },
      ],
    });
    const native = await TestClient.connect(ws(g, "/bell"));
    const typed = await TestClient.connect(ws(g, "/bell-typed"), { waitWelcome: false });
    const plain = await TestClient.connect(ws(g, "/plain"));
    try {
      await native.next("ack");
      await nextTyped(typed, (m) => m.data.type === "ack");
      await plain.next("ack");
      await g.gateway.publish("bell.news", { title: "hi" }, { event: "notification" });
      await g.gateway.publish("bell.news", { n: 1 }, { event: "unread_count" });
      const a = await native.next("event");
      const b = await native.next("event");
      assert.deepEqual([a.event, a.data, b.event], ["new_notification", { title: "hi" }, "unread_count"]);
      const t = await nextTyped(typed, (m) => m.type === "update");
      assert.deepEqual([t.data.event, t.data.data], ["new_notification", { title: "hi" }]);
      assert.equal((await plain.next("event")).event, "notification");
    } finally {
      for (const c of [native, typed, plain]) c.close();
      await g.close();
    }
  });
});
