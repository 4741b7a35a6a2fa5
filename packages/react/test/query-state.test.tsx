/**
 * useQueryState against the real gateway (a durable state namespace in a private SQLite file)
 * and a real TanStack Query client: the cached data is the topic's document — the snapshot
 * from the subscribe ack first, then each delta by the per-key last-write-wins rule — and it
 * stays equal to the server's document across a server-side kill with deltas published meanwhile.
 */
import "./dom.js";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from "@tanstack/react-query";
import { act, cleanup, render, screen, waitFor } from "@testing-library/react";
import { StrictMode } from "react";
import { WebSocket } from "ws";
import { type Running, startGateway } from "../../server/test/helpers.js";
import { HeraldProvider, useQueryState } from "../src/index.js";
import { closeDom } from "./dom.js";

const dir = mkdtempSync(join(tmpdir(), "herald-query-state-"));
let running: Running;
const ready = startGateway({
  store: { type: "sqlite", path: join(dir, "herald.db") },
  namespaces: [{ prefix: "proposals", durable: true, state: true, history: { size: 1000, ttlSeconds: 0 } }],
}).then((r) => {
  running = r;
});
after(async () => {
  cleanup();
  await running?.close();
  await closeDom();
  rmSync(dir, { recursive: true, force: true });
});

let fetches = 0;

function Proposal() {
  const queryClient = useQueryClient();
  const { data } = useQuery({
    queryKey: ["proposal", "1"],
    queryFn: async (): Promise<Record<string, unknown>> => {
      fetches += 1;
      return {};
    },
    staleTime: Number.POSITIVE_INFINITY,
  });
  useQueryState("proposals.1", { queryClient, queryKey: ["proposal", "1"] });
  return <span data-testid="doc">{JSON.stringify(data ?? null)}</span>;
}

const serverDoc = () => running.gateway.core.state?.snapshot("proposals.1")?.state;
const subscriptions = () => {
  let n = 0;
  for (const s of running.gateway.core.sessions.values()) n += s.subscriptionCount;
  return n;
};

test("useQueryState holds the snapshot, then the deltas, and matches the server after a kill", async () => {
  await ready;
  // Written before anyone subscribes: it reaches the client as the ack's snapshot.
  await running.gateway.publish("proposals.1", { title: "Solar farm", raised: "0", status: "open" });
  await running.gateway.publish("proposals.1", { raised: "100" });
  const queryClient = new QueryClient({ defaultOptions: { queries: { gcTime: Number.POSITIVE_INFINITY } } });
  const view = render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <HeraldProvider options={{ url: running.wsUrl, WebSocket }}>
          <Proposal />
        </HeraldProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
  const doc = () => JSON.parse(screen.getByTestId("doc").textContent ?? "null");
  await waitFor(() => assert.deepEqual(doc(), { title: "Solar farm", raised: "100", status: "open" }), {
    timeout: 10_000,
  });
  await waitFor(() => assert.equal(subscriptions(), 1), { timeout: 10_000 });
  // Deltas: a merge, a nested member, a deletion.
  await running.gateway.publish("proposals.1", { raised: "250", votes: { yes: 1 } });
  await running.gateway.publish("proposals.1", { votes: { no: 2 }, status: null });
  await waitFor(() => assert.deepEqual(doc(), { title: "Solar farm", raised: "250", votes: { yes: 1, no: 2 } }), {
    timeout: 10_000,
  });
  // Killed while two more deltas are written: the reconnect replays them into the same document.
  await act(async () => {
    for (const s of running.gateway.core.sessions.values()) s.close(4006, "test");
    await running.gateway.publish("proposals.1", { raised: "400" });
    await running.gateway.publish("proposals.1", { status: "funded", votes: { yes: 3 } });
  });
  await waitFor(() => assert.deepEqual(doc(), serverDoc()), { timeout: 10_000 });
  assert.deepEqual(doc(), { title: "Solar farm", raised: "400", votes: { yes: 3, no: 2 }, status: "funded" });
  assert.equal(fetches, 1, "the document came from the stream, not from refetching");
  view.unmount();
  queryClient.clear();
});
