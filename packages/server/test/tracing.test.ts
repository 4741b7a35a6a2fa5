// OpenTelemetry tracing of the publish path, with the SDK's in-memory exporter: a publish that
// carries a W3C `traceparent` (HTTP header, WebSocket frame) becomes a `herald.publish` span in
// that trace, with a span per stage (the namespace's configured ones included), the broker
// commit, and the delivery; the event carries the publish span's context to subscribers. With no
// SDK registered, nothing is traced and events carry no trace context.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { tracingOn } from "../src/tracing/tracing.js";
import { type Frame, postJson, type Running, startGateway, TestClient } from "./helpers.js";
import { waitFor } from "./wait-for.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";
const KEY = "tracing-test-api-key-0123456789";
let g: Running;

before(async () => {
  g = await startGateway({
    auth: { apiKeys: [KEY] },
    namespaces: [
      {
        prefix: "orders",
        acl: { subscribe: "anyone", publish: "anyone", history: "anyone", presence: "anyone" },
        pipeline: [{ stage: "validate", schemas: { "orders.>": { type: "object", required: ["total"] } } }],
      },
    ],
  });
});
after(() => g.close());

async function subscriber(topic: string): Promise<TestClient> {
  const c = await TestClient.connect(g.wsUrl);
  assert.equal((await c.request({ type: "subscribe", topic })).type, "ack");
  return c;
}

describe("tracing", () => {
  it("traces nothing without an SDK, and passes the caller's trace context through unchanged", async () => {
    assert.equal(tracingOn(), false);
    const c = await subscriber("orders.none");
    const headers = { "x-api-key": KEY };
    const traced = { ...headers, traceparent: `00-${TRACE}-${PARENT}-01` };
    await postJson(`${g.url}/api/publish`, { topic: "orders.none", data: { total: 1 } }, traced);
    await postJson(`${g.url}/api/publish`, { topic: "orders.none", data: { total: 2 } }, headers);
    const first = await c.next((f) => f.type === "event");
    const second = await c.next((f) => f.type === "event" && f.seq === 2);
    assert.equal(first.traceparent, `00-${TRACE}-${PARENT}-01`, "forwarded as a proxy that does not trace would");
    assert.equal(second.traceparent, undefined, "none was given, none is made up");
    c.close();
  });

  describe("with an SDK registered", () => {
    const exporter = new InMemorySpanExporter();
    before(() => {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    });
    after(() => {
      trace.disable();
      context.disable();
    });

    const spans = () => exporter.getFinishedSpans();
    /** Waits until a span of that name was exported (the processor exports as spans end). */
    const exported = (name: string) =>
      waitFor(() => spans().find((s) => s.name === name), { what: `span ${name}`, timeout: 5000 });
    const named = (name: string) => spans().filter((s) => s.name === name);
    const childrenOf = (s: ReadableSpan) =>
      spans().filter((x) => x.parentSpanContext?.spanId === s.spanContext().spanId);

    it("continues the caller's trace: publish, every stage, the commit, the delivery; the event carries it", async () => {
      exporter.reset();
      const c = await subscriber("orders.eu");
      const r = await postJson(
        `${g.url}/api/publish`,
        { topic: "orders.eu", data: { total: 5 } },
        {
          "x-api-key": KEY,
          traceparent: `00-${TRACE}-${PARENT}-01`,
        },
      );
      assert.equal(r.status, 200);
      const e = await c.next((f: Frame) => f.type === "event");
      const publish = await exported("herald.publish orders.eu");
      assert.equal(publish.spanContext().traceId, TRACE);
      assert.equal(publish.parentSpanContext?.spanId, PARENT, "a child of the publisher's span");
      assert.equal(publish.attributes["herald.origin"], "api");
      assert.equal(publish.attributes["herald.seq"], 1);
      assert.deepEqual(
        childrenOf(publish)
          .map((s) => s.name)
          .filter((n) => !n.startsWith("herald.deliver")),
        [
          "herald.stage topic",
          "herald.stage expiry",
          "herald.stage acl",
          "herald.stage pipeline",
          "herald.stage state",
          "herald.broker.commit",
        ],
      );
      const [pipeline] = named("herald.stage pipeline");
      assert.deepEqual(
        childrenOf(pipeline as ReadableSpan).map((s) => s.name),
        ["herald.stage validate"],
      );
      // The event carries the publish span's context; the delivery span is its child.
      assert.equal(e.traceparent, `00-${TRACE}-${publish.spanContext().spanId}-01`);
      const deliver = await exported("herald.deliver orders.eu");
      assert.equal(deliver.parentSpanContext?.spanId, publish.spanContext().spanId);
      assert.equal(deliver.attributes["herald.recipients"], 1);
      c.close();
    });

    it("marks a refused publish as an error with its code, in the stage that refused it", async () => {
      exporter.reset();
      const r = await postJson(`${g.url}/api/publish`, { topic: "orders.eu", data: {} }, { "x-api-key": KEY });
      assert.equal(r.status, 400);
      const publish = await exported("herald.publish orders.eu");
      assert.equal(publish?.status.code, SpanStatusCode.ERROR);
      assert.equal(publish?.attributes["herald.error.code"], "invalid_event");
      const [validate] = named("herald.stage validate");
      assert.equal(validate?.status.code, SpanStatusCode.ERROR);
      assert.equal(named("herald.broker.commit").length, 0, "nothing was committed");
    });

    it("takes the trace context of a WebSocket publish frame, and refuses a malformed one", async () => {
      exporter.reset();
      const c = await TestClient.connect(g.wsUrl);
      const ack = await c.request({
        type: "publish",
        topic: "orders.ws",
        data: { total: 1 },
        traceparent: `00-${TRACE}-${PARENT}-01`,
      });
      assert.equal(ack.type, "ack", JSON.stringify(ack));
      const publish = await exported("herald.publish orders.ws");
      assert.equal(publish?.spanContext().traceId, TRACE);
      assert.equal(publish?.attributes["herald.origin"], "client");
      const bad = await c.request({ type: "publish", topic: "orders.ws", data: { total: 1 }, traceparent: "00-xyz" });
      assert.deepEqual([bad.type, bad.code], ["error", "bad_request"]);
      c.close();
    });
  });
});
