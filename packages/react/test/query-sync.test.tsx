/**
 * useQuerySync against the real gateway and a real TanStack Query client: events on a pattern
 * update the cached query data in place (no refetch), and unrelated topics leave it alone.
 */
import "./dom.js";
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from "@tanstack/react-query";
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { StrictMode } from "react";
import { WebSocket } from "ws";
import { type Running, startGateway } from "../../server/test/helpers.js";
import { HeraldProvider, useQuerySync } from "../src/index.js";
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

interface Proposal {
  id: string;
  status: string;
}
let fetches = 0;

function Proposals() {
  const queryClient = useQueryClient();
  const { data } = useQuery({
    queryKey: ["proposals"],
    queryFn: async (): Promise<Proposal[]> => {
      fetches += 1;
      return [{ id: "p1", status: "active" }];
    },
    staleTime: Number.POSITIVE_INFINITY,
  });
  useQuerySync<Proposal>("qsync.proposal.*", {
    queryClient,
    updates: (event) => [
      {
        queryKey: ["proposals"],
        update: (old) => {
          const list = (old as Proposal[] | undefined) ?? [];
          return [...list.filter((p) => p.id !== event.data.id), event.data];
        },
      },
    ],
  });
  return <span data-testid="proposals">{(data ?? []).map((p) => `${p.id}:${p.status}`).join(",")}</span>;
}

test("useQuerySync writes each event into the TanStack Query cache without refetching", async () => {
  await ready;
  // gcTime Infinity: no garbage-collection timer outlives the test and holds the process open.
  const queryClient = new QueryClient({ defaultOptions: { queries: { gcTime: Number.POSITIVE_INFINITY } } });
  render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <HeraldProvider options={{ url: running.wsUrl, WebSocket }}>
          <Proposals />
        </HeraldProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
  const text = () => screen.getByTestId("proposals").textContent;
  await waitFor(() => assert.equal(text(), "p1:active"), { timeout: 10_000 });
  // The subscription must be live before publishing: wait for the server to hold it.
  await waitFor(
    () => {
      let n = 0;
      for (const s of running.gateway.core.sessions.values()) n += s.subscriptionCount;
      assert.ok(n >= 1, "the server holds the subscription");
    },
    { timeout: 10_000 },
  );
  await running.gateway.publish(
    "qsync.proposal.created",
    { id: "p2", status: "voting" },
    { event: "proposal.created" },
  );
  await waitFor(() => assert.equal(text(), "p1:active,p2:voting"), { timeout: 10_000 });
  await running.gateway.publish("qsync.other", { id: "p9", status: "x" });
  await running.gateway.publish("qsync.proposal.updated", { id: "p1", status: "passed" });
  await waitFor(() => assert.equal(text(), "p2:voting,p1:passed"), { timeout: 10_000 });
  assert.equal(fetches, 1, "the cache was updated in place, never refetched");
  cleanup();
  queryClient.clear();
});
