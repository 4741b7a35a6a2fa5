/**
 * CF1's page (plan 002): the plan's CF1EventStream — a client subscribed to `proposal.*` and
 * `market.price.CF1-001` — feeding a TanStack Query cache, as the plan connects the stream to
 * its existing React Query cache: `useQuerySync` writes events into cached queries, and
 * `useQueryState` keeps a proposal's query equal to its state topic (snapshot, then deltas).
 */
import type { HeraldEvent } from "@herald/client";
import { HeraldProvider, useConnected, useHeraldClient, useQueryState, useQuerySync } from "@herald/react";
import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

interface Price {
  asset_id: string;
  price: string;
}
interface ProposalDoc {
  title?: string;
  target?: string;
  raised?: string;
  asset?: string;
  status?: string;
  yes?: string;
  no?: string;
}
interface FeedItem {
  id: string;
  event: string;
  proposal: string;
  text: string;
}
interface PriceData {
  latest: number | undefined;
  ticks: number[];
}

const ASSET = "CF1-001";

function describe(e: HeraldEvent<Record<string, string>>): FeedItem {
  const d = e.data;
  const text =
    e.event === "proposal.created"
      ? `${d.title} opened, target ${Number(d.target_amount).toLocaleString("en")}`
      : `raised ${Number(d.raised).toLocaleString("en")}`;
  return { id: e.id, event: e.event, proposal: d.proposal_id ?? "?", text };
}

function Connection() {
  const on = useConnected();
  return (
    <span id="connection" data-on={String(on)} role="status">
      {on ? "live" : "reconnecting…"}
    </span>
  );
}

function PriceCard() {
  const queryClient = useQueryClient();
  const { data } = useQuery<PriceData>({
    queryKey: ["price", ASSET],
    queryFn: async () => ({ latest: undefined, ticks: [] }),
    staleTime: Number.POSITIVE_INFINITY,
  });
  useQuerySync<Price>(`market.price.${ASSET}`, {
    queryClient,
    updates: (e) => [
      {
        queryKey: ["price", ASSET],
        update: (old) => {
          const prev = (old as PriceData | undefined) ?? { latest: undefined, ticks: [] };
          const p = Number(e.data.price);
          return { latest: p, ticks: [...prev.ticks, p].slice(-40) };
        },
      },
    ],
  });
  const ticks = data?.ticks ?? [];
  const lo = Math.min(...ticks);
  const hi = Math.max(...ticks);
  const points = ticks
    .map((p, i) => `${(i / 39) * 300},${60 - (hi === lo ? 30 : ((p - lo) / (hi - lo)) * 60)}`)
    .join(" ");
  return (
    <section className="card" id="price" aria-label={`${ASSET} price`}>
      <h2>{ASSET} price</h2>
      <strong id="price-value">{data?.latest === undefined ? "—" : data.latest.toFixed(2)}</strong>
      <svg viewBox="0 0 300 60" width="100%" height="60" role="img" aria-label="price chart" id="price-chart">
        <polyline points={points} fill="none" stroke="#2e90fa" strokeWidth="2" />
      </svg>
    </section>
  );
}

function ProposalCard({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const { data } = useQuery<ProposalDoc>({
    queryKey: ["proposal", id],
    queryFn: async () => ({}),
    staleTime: Number.POSITIVE_INFINITY,
  });
  useQueryState(`proposals.${id}`, { queryClient, queryKey: ["proposal", id] });
  const raised = Number(data?.raised ?? 0);
  const target = Number(data?.target ?? 0);
  return (
    <section className="card" id={`proposal-${id}`} aria-label={`proposal ${id}`}>
      <h2 className="title">{data?.title ?? `Proposal ${id}`}</h2>
      <p>
        Status: <span className="status">{data?.status ?? "—"}</span>
      </p>
      <label>
        Raised <span className="raised">{raised.toLocaleString("en")}</span> of {target.toLocaleString("en")}
        <progress max={target || 1} value={raised} />
      </label>
      <p>
        Votes: yes <span className="yes">{data?.yes ?? "0"}</span>, no <span className="no">{data?.no ?? "0"}</span>
      </p>
    </section>
  );
}

function Feed() {
  const client = useHeraldClient();
  const queryClient = useQueryClient();
  // The cache starts from history (what happened before the page opened), then follows the stream.
  const { data } = useQuery<FeedItem[]>({
    queryKey: ["proposal-feed"],
    queryFn: async () => {
      const created = await client.history<Record<string, string>>("proposal.created", { limit: 20 });
      return created.events.map(describe).reverse();
    },
    staleTime: Number.POSITIVE_INFINITY,
  });
  useQuerySync<Record<string, string>>("proposal.*", {
    queryClient,
    updates: (e) => [
      {
        queryKey: ["proposal-feed"],
        update: (old) => {
          const list = (old as FeedItem[] | undefined) ?? [];
          if (list.some((x) => x.id === e.id)) return list;
          return [describe(e), ...list].slice(0, 20);
        },
      },
    ],
  });
  return (
    <section className="card" aria-label="proposal events">
      <h2>proposal.*</h2>
      <ol id="feed">
        {(data ?? []).map((item) => (
          <li key={item.id} data-event={item.event}>
            #{item.proposal} {item.text}
          </li>
        ))}
      </ol>
    </section>
  );
}

function App() {
  return (
    <>
      <header>
        <h1>CF1 live</h1>
        <Connection />
      </header>
      <div className="cards">
        <PriceCard />
        <ProposalCard id="1" />
        <Feed />
      </div>
    </>
  );
}

const params = new URLSearchParams(location.search);
const token = params.get("token") ?? "";
const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
const queryClient = new QueryClient();
const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <HeraldProvider options={{ url, token }}>
          <App />
        </HeraldProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
}
