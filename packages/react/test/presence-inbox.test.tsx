/**
 * `usePresence` and `useInbox` in a real DOM (happy-dom + React Testing Library, StrictMode)
 * against the real gateway: members kept current by join/leave and refetched after a
 * reconnect (where a leave was missed); the inbox listed, live, and marked read.
 */
import "./dom.js";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { StrictMode } from "react";
import { WebSocket } from "ws";
import { mintToken } from "../../server/src/auth/jwt.js";
import { postJson, type Running, startGateway, TestClient } from "../../server/test/helpers.js";
import { HeraldProvider, useConnection, useInbox, usePresence, useTopic } from "../src/index.js";
import { closeDom } from "./dom.js";

const SECRET = "react-presence-secret-0123456789abcdef";
const KEY = "react-inbox-api-key-0123456789";
const dir = mkdtempSync(join(tmpdir(), "herald-react-inbox-"));
let running: Running;
const ready = startGateway({
  auth: { jwtSecret: SECRET, apiKeys: [KEY] },
  namespaces: [{ prefix: "room", presence: true }],
  store: { path: join(dir, "inbox.db") },
}).then((r) => {
  running = r;
});
after(async () => {
  cleanup();
  await running?.close();
  await closeDom();
  rmSync(dir, { recursive: true, force: true });
});

const token = (user: string) => async () => mintToken(SECRET, user);
const options = (user: string) => ({
  url: running.wsUrl,
  WebSocket,
  token: token(user),
  backoff: { minMs: 5, maxMs: 50 },
});

async function waitText(id: string, text: string): Promise<void> {
  await waitFor(() => assert.equal(screen.getByTestId(id).textContent, text), { timeout: 5000 });
}

function Room() {
  const { members, count, loading, error } = usePresence("room.lobby", { meta: { color: "red" } });
  return (
    <div>
      <span data-testid="count">{loading ? "loading" : count}</span>
      <span data-testid="users">
        {members
          .map((m) => m.user ?? "anon")
          .sort()
          .join(",")}
      </span>
      <span data-testid="meta">{JSON.stringify(members.find((m) => m.user === "alice")?.meta ?? null)}</span>
      <span data-testid="perr">{error?.code ?? ""}</span>
    </div>
  );
}

test("usePresence: members and count kept by join/leave, refetched after a reconnect", async () => {
  await ready;
  const view = render(
    <StrictMode>
      <HeraldProvider options={options("alice")}>
        <Room />
      </HeraldProvider>
    </StrictMode>,
  );
  await waitText("count", "1");
  await waitText("users", "alice");
  assert.equal(screen.getByTestId("meta").textContent, '{"color":"red"}');

  const bob = await TestClient.connect(`${running.wsUrl}?token=${await mintToken(SECRET, "bob")}`);
  await bob.request({ type: "subscribe", topic: "room.lobby" });
  await waitText("users", "alice,bob");
  await waitText("count", "2");

  // Carol joins, then both connections drop at once: alice's hook misses carol's leave and its
  // own, and must refetch after the reconnect instead of keeping stale members.
  const carol = await TestClient.connect(`${running.wsUrl}?token=${await mintToken(SECRET, "carol")}`);
  await carol.request({ type: "subscribe", topic: "room.lobby" });
  await waitText("count", "3");
  await act(async () => {
    for (const s of [...running.gateway.core.sessions.values()]) {
      if (s.user !== "bob") (s.transport as unknown as { ws: { terminate(): void } }).ws.terminate();
    }
  });
  await waitText("users", "alice,bob");
  await waitText("count", "2");

  bob.ws.close();
  await waitText("count", "1");
  view.unmount();
  await waitFor(() => assert.equal(running.gateway.core.sessions.size, 0), { timeout: 5000 });
});

function Status() {
  return <span data-testid="status">{useConnection().status}</span>;
}

function Mixed() {
  const { latest } = useTopic<{ n: number }>("room.mixed");
  const { count, loading } = usePresence("room.mixed");
  return (
    <div>
      <span data-testid="mcount">{loading ? "loading" : count}</span>
      <span data-testid="mlatest">{latest?.data.n ?? "none"}</span>
    </div>
  );
}

test("useTopic and usePresence on one topic share a subscription that receives join/leave", async () => {
  await ready;
  const opts = options("alice");
  const view = render(
    <StrictMode>
      <HeraldProvider options={opts}>
        <Status />
      </HeraldProvider>
    </StrictMode>,
  );
  await waitText("status", "connected");
  // Mounted while connected: useTopic's subscribe (without presence) is in flight when
  // usePresence asks for presence, so the shared subscription switches over after its ack.
  view.rerender(
    <StrictMode>
      <HeraldProvider options={opts}>
        <Status />
        <Mixed />
      </HeraldProvider>
    </StrictMode>,
  );
  await waitText("mcount", "1");
  await act(async () => {
    await running.gateway.publish("room.mixed", { n: 7 });
  });
  await waitText("mlatest", "7");
  // Counted by the live join and leave (no refetch happens without a resubscribe).
  const bob = await TestClient.connect(`${running.wsUrl}?token=${await mintToken(SECRET, "bob")}`);
  await bob.request({ type: "subscribe", topic: "room.mixed" });
  await waitText("mcount", "2");
  bob.ws.close();
  await waitText("mcount", "1");
  view.unmount();
  await waitFor(() => assert.equal(running.gateway.core.sessions.size, 0), { timeout: 5000 });
});

function Elsewhere() {
  const { error } = usePresence("chat.general");
  return <span data-testid="perr">{error?.code ?? ""}</span>;
}

test("usePresence outside a presence namespace reports forbidden", async () => {
  await ready;
  const view = render(
    <HeraldProvider options={options("alice")}>
      <Elsewhere />
    </HeraldProvider>,
  );
  await waitText("perr", "forbidden");
  view.unmount();
});

function Inbox() {
  const { items, unread, markRead, markAllRead, loading, error } = useInbox<{ claim: number }>({ limit: 3 });
  return (
    <div>
      <span data-testid="loading">{String(loading)}</span>
      <span data-testid="unread">{unread}</span>
      <span data-testid="items">{items.map((n) => `${n.title}${n.read ? "" : "*"}`).join(",")}</span>
      <span data-testid="ierr">{error?.code ?? ""}</span>
      <button type="button" onClick={() => void markRead(items[0]?.id ?? "none").catch(() => {})}>
        read newest
      </button>
      <button type="button" onClick={() => void markAllRead()}>
        read all
      </button>
    </div>
  );
}

const notify = (user: string, title: string) =>
  postJson(`${running.url}/api/users/${user}/notifications`, { title, message: "m" }, { "x-api-key": KEY });

test("useInbox: listed, live, bounded, marked read, refetched after a reconnect", async () => {
  await ready;
  await notify("dora", "n1");
  const view = render(
    <StrictMode>
      {/* Reconnects ~1 s after a drop, so the notification below is sent while disconnected (checked). */}
      <HeraldProvider options={{ ...options("dora"), backoff: { minMs: 1000, maxMs: 1000 }, random: () => 0.99 }}>
        <Inbox />
      </HeraldProvider>
    </StrictMode>,
  );
  await waitText("loading", "false");
  await waitText("items", "n1*");
  await waitText("unread", "1");

  await act(async () => {
    await notify("dora", "n2");
    await notify("dora", "n3");
    await notify("dora", "n4");
    await notify("erin", "not for dora");
  });
  await waitText("items", "n4*,n3*,n2*");
  await waitText("unread", "4");

  await act(async () => {
    screen.getByText("read newest").click();
  });
  await waitText("items", "n4,n3*,n2*");
  await waitText("unread", "3");

  // Notifications sent while the connection is down are listed after the reconnect.
  const doraConnected = () => [...running.gateway.core.sessions.values()].some((s) => s.principal?.user === "dora");
  await act(async () => {
    for (const s of [...running.gateway.core.sessions.values()]) s.close(4006, "test");
    assert.equal(doraConnected(), false, "dora's connection is down");
    assert.equal((await notify("dora", "n5")).status, 201);
    assert.equal(doraConnected(), false, "n5 was stored while dora was disconnected");
  });
  await waitText("items", "n5*,n4,n3*");
  await waitText("unread", "4");

  await act(async () => {
    screen.getByText("read all").click();
  });
  await waitText("items", "n5,n4,n3");
  await waitText("unread", "0");
  assert.equal(screen.getByTestId("ierr").textContent, "");
  view.unmount();
  await waitFor(() => assert.equal(running.gateway.core.sessions.size, 0), { timeout: 5000 });
});

test("useInbox without a user token reports unauthorized", async () => {
  await ready;
  const view = render(
    <HeraldProvider options={{ url: running.wsUrl, WebSocket, backoff: { minMs: 5, maxMs: 50 } }}>
      <Inbox />
    </HeraldProvider>,
  );
  await waitText("ierr", "unauthorized");
  assert.equal(screen.getByTestId("loading").textContent, "false");
  view.unmount();
});
