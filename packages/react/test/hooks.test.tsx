/**
 * The React hooks in a real DOM (happy-dom + React Testing Library) against the real gateway,
 * in StrictMode: one connection and one server subscription per provider, live data, bounded
 * lists, errors, and nothing left open after unmount.
 */
import "./dom.js";
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { StrictMode, useState } from "react";
import { WebSocket } from "ws";
import { type Running, startGateway } from "../../server/test/helpers.js";
import {
  cachedClients,
  HeraldProvider,
  useConnection,
  useHeraldClient,
  useRealTimeStream,
  useTopic,
} from "../src/index.js";
import { closeDom } from "./dom.js";

let running: Running;
const ready = startGateway().then((r) => {
  running = r;
});
after(async () => {
  cleanup();
  await running?.close();
  await closeDom();
});

const options = () => ({ url: running.wsUrl, WebSocket, backoff: { minMs: 5, maxMs: 50 } });

function Gauge({ topic }: { topic: string }) {
  const { data, connected, error } = useRealTimeStream<{ value: number }>(topic);
  const state = useConnection();
  return (
    <div>
      <span data-testid="status">{state.status}</span>
      <span data-testid="connected">{String(connected)}</span>
      <span data-testid="value">{data === undefined ? "none" : data.value}</span>
      <span data-testid="error">{error?.code ?? ""}</span>
    </div>
  );
}

async function waitText(id: string, text: string): Promise<void> {
  await waitFor(() => assert.equal(screen.getByTestId(id).textContent, text), { timeout: 5000 });
}

function sessions(): number {
  return running.gateway.core.sessions.size;
}

function serverSubscriptions(): number {
  let n = 0;
  for (const s of running.gateway.core.sessions.values()) n += s.subscriptionCount;
  return n;
}

test("useRealTimeStream in StrictMode: one connection, one subscription, live data", async () => {
  await ready;
  const view = render(
    <StrictMode>
      {/* an inline options object, re-created on every render, must keep its client */}
      <HeraldProvider options={options()}>
        <Gauge topic="react.gauge" />
        <Gauge topic="react.gauge" />
      </HeraldProvider>
    </StrictMode>,
  );
  await waitFor(() => assert.equal(screen.getAllByTestId("status")[0]?.textContent, "connected"), { timeout: 5000 });
  await waitFor(() => assert.equal(serverSubscriptions(), 1), { timeout: 5000 });
  assert.equal(sessions(), 1, "StrictMode's double effects opened one connection");
  assert.equal(screen.getAllByTestId("connected")[0]?.textContent, "true");

  await act(async () => {
    await running.gateway.publish("react.gauge", { value: 41 });
    await running.gateway.publish("react.gauge", { value: 42 });
  });
  await waitFor(() =>
    assert.deepEqual(
      screen.getAllByTestId("value").map((e) => e.textContent),
      ["42", "42"],
    ),
  );
  view.rerender(
    <StrictMode>
      <HeraldProvider options={options()}>
        <Gauge topic="react.gauge" />
      </HeraldProvider>
    </StrictMode>,
  );
  assert.equal(sessions(), 1, "a re-render with equal options keeps the client");
  view.unmount();
  await waitFor(() => assert.equal(sessions(), 0), { timeout: 5000 });
  assert.equal(cachedClients(), 0, "the client was closed and released");
});

function Feed({ limit }: { limit: number }) {
  const { latest, events, resets } = useTopic<{ n: number }>("react.feed.>", { limit });
  return (
    <div>
      <span data-testid="latest">{latest === undefined ? "none" : `${latest.topic}:${latest.data.n}`}</span>
      <span data-testid="list">{events.map((e) => e.data.n).join(",")}</span>
      <span data-testid="resets">{resets}</span>
    </div>
  );
}

test("useTopic on a pattern keeps the latest event and a bounded list, across a server-side kill", async () => {
  await ready;
  const view = render(
    <StrictMode>
      <HeraldProvider options={options()}>
        <Feed limit={3} />
      </HeraldProvider>
    </StrictMode>,
  );
  await waitFor(() => assert.equal(serverSubscriptions(), 1), { timeout: 5000 });
  await act(async () => {
    for (let n = 1; n <= 3; n++) await running.gateway.publish(`react.feed.${n % 2 ? "odd" : "even"}`, { n });
  });
  await waitText("list", "1,2,3");
  // Kill the connection; events published meanwhile are recovered after the reconnect.
  await act(async () => {
    for (const s of running.gateway.core.sessions.values()) s.close(4006, "test");
    for (let n = 4; n <= 5; n++) await running.gateway.publish(`react.feed.${n % 2 ? "odd" : "even"}`, { n });
  });
  await waitText("list", "3,4,5");
  await waitText("latest", "react.feed.odd:5");
  assert.equal(screen.getByTestId("resets").textContent, "0");
  view.unmount();
  await waitFor(() => assert.equal(sessions(), 0), { timeout: 5000 });
});

function Switcher() {
  const [topic, setTopic] = useState("react.a");
  const client = useHeraldClient();
  const { data, error } = useRealTimeStream<string>(topic);
  return (
    <div>
      <button type="button" onClick={() => setTopic("react.b")}>
        switch
      </button>
      <button type="button" onClick={() => setTopic("bad..name")}>
        bad
      </button>
      <span data-testid="data">{data ?? "none"}</span>
      <span data-testid="err">{error?.code ?? ""}</span>
      <span data-testid="subs">{[...client.subscriptions.keys()].join(",")}</span>
    </div>
  );
}

test("changing the topic moves the subscription; a bad name reports an error", async () => {
  await ready;
  const view = render(
    <StrictMode>
      <HeraldProvider options={options()}>
        <Switcher />
      </HeraldProvider>
    </StrictMode>,
  );
  await waitFor(() => assert.equal(serverSubscriptions(), 1), { timeout: 5000 });
  await waitText("subs", "react.a");
  await act(async () => {
    screen.getByText("switch").click();
  });
  await waitFor(() => assert.equal(serverSubscriptions(), 1), { timeout: 5000 });
  await act(async () => {
    await running.gateway.publish("react.a", "from a");
    await running.gateway.publish("react.b", "from b");
  });
  await waitText("data", "from b");
  // Rendered with that event: the client holds only the new topic (StrictMode's double effects
  // left nothing behind).
  assert.equal(screen.getByTestId("subs").textContent, "react.b");
  await waitFor(() => {
    const s = [...running.gateway.core.sessions.values()][0];
    assert.ok(s !== undefined && s.subscriptionCount === 1);
  });
  await act(async () => {
    screen.getByText("bad").click();
  });
  await waitText("err", "invalid_topic");
  // The old topic was released on the server; the bad name holds nothing.
  await waitFor(() => assert.equal(serverSubscriptions(), 0), { timeout: 5000 });
  view.unmount();
  await waitFor(() => assert.equal(sessions(), 0), { timeout: 5000 });
});

test("a terminal close (invalid token) surfaces as the stream's error", async () => {
  const secured = await startGateway({ auth: { jwtSecret: "react-test-secret-0123456789abcdef", anonymous: false } });
  try {
    const view = render(
      <StrictMode>
        <HeraldProvider
          options={{ url: secured.wsUrl, WebSocket, token: "not-a-jwt", backoff: { minMs: 5, maxMs: 50 } }}
        >
          <Gauge topic="react.secured" />
        </HeraldProvider>
      </StrictMode>,
    );
    await waitText("status", "closed");
    await waitText("error", "client_closed");
    assert.equal(screen.getByTestId("connected").textContent, "false");
    view.unmount();
  } finally {
    await secured.close();
  }
});
