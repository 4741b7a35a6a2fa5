/**
 * ASTRA's live dashboard (plan 001): KPIs, a streaming sentiment chart, alert toasts, the
 * negative posts (a server-side filter) and the analysts present, each from
 * `useRealTimeStream`'s `{data, connected, error}` (and `usePresence`).
 */
import { HeraldProvider, usePresence, useRealTimeStream } from "@herald/react";
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";

type Values = Record<string, number | null | undefined>;
interface WindowDoc {
  values?: Values;
  groups?: Record<string, Values>;
}
interface Alert {
  rule: string;
  state: "firing" | "resolved";
  value: unknown;
  at: number;
}
interface Post {
  id: string;
  author: string;
  text: string;
  category?: string;
  sentiment?: { score: number; label: string };
}

const merge = (target: unknown, patch: unknown): unknown => {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
};

/** An aggregation's current window: its topic is a state topic, each event a merge patch. */
function useAggregate(name: string): { doc: WindowDoc; history: number[]; connected: boolean } {
  const { data, connected } = useRealTimeStream<{ patch?: WindowDoc }>(`agg.${name}`);
  const [doc, setDoc] = useState<WindowDoc>({});
  const [history, setHistory] = useState<number[]>([]);
  useEffect(() => {
    if (data === undefined) return;
    setDoc((d) => {
      const next = merge(d, data.patch ?? data) as WindowDoc;
      const avg = next.values?.avg;
      if (typeof avg === "number") setHistory((h) => [...h.slice(-59), avg]);
      return next;
    });
  }, [data]);
  return { doc, history, connected };
}

function Kpi({ id, label, value }: { id: string; label: string; value: string }) {
  return (
    <div className="kpi">
      <span>{label}</span>
      <strong id={id}>{value}</strong>
    </div>
  );
}

function Chart({ values }: { values: number[] }) {
  const points = values.map((v, i) => `${i * 5},${50 - v * 50}`).join(" ");
  return (
    <svg id="sentiment-chart" viewBox="0 0 300 100" width="300" height="100" role="img" aria-label="sentiment">
      <line x1="0" y1="50" x2="300" y2="50" stroke="#ccc" />
      <polyline points={points} fill="none" stroke="#2e90fa" strokeWidth="2" />
    </svg>
  );
}

/** Every alert of a channel, newest first, as toasts. */
function useToasts(channel: string): Alert[] {
  const { data } = useRealTimeStream<Alert>(channel);
  const [toasts, setToasts] = useState<Alert[]>([]);
  useEffect(() => {
    if (data !== undefined) setToasts((t) => [data, ...t].slice(0, 5));
  }, [data]);
  return toasts;
}

function Dashboard({ analyst }: { analyst: string }) {
  const posts = useAggregate("posts");
  const engagement = useAggregate("engagement");
  const critical = useToasts("critical_alerts");
  const opportunities = useToasts("opportunities");
  const negative = useRealTimeStream<Post>({ topic: "posts.>", filter: { "sentiment.label": "negative" } });
  const [negatives, setNegatives] = useState<Post[]>([]);
  useEffect(() => {
    const post = negative.data;
    if (post !== undefined) setNegatives((list) => [post, ...list.filter((p) => p.id !== post.id)].slice(0, 5));
  }, [negative.data]);
  const presence = usePresence("analysts.dashboard", { meta: { name: analyst } });
  const avg = posts.doc.values?.avg;
  return (
    <main>
      <header>
        <h1>ASTRA — live intelligence</h1>
        <span id="connection" data-on={String(negative.connected)}>
          {negative.connected ? "live" : "offline"}
        </span>
        {negative.error && <span className="error">{negative.error.code}</span>}
      </header>
      <section className="kpis">
        <Kpi id="kpi-posts" label="Posts (10 s)" value={String(posts.doc.values?.count ?? 0)} />
        <Kpi id="kpi-sentiment" label="Sentiment" value={typeof avg === "number" ? avg.toFixed(2) : "–"} />
        <Kpi id="kpi-engagement" label="Engagement" value={String(engagement.doc.values?.sum ?? 0)} />
        <Kpi id="kpi-peak" label="Peak post" value={String(engagement.doc.values?.max ?? 0)} />
      </section>
      <Chart values={posts.history} />
      <section id="toasts">
        {[...critical, ...opportunities].map((a) => (
          <div key={`${a.rule}-${a.state}-${a.at}`} className={`toast ${a.state}`} data-rule={a.rule}>
            {a.state === "firing" ? "⚠" : "✓"} {a.rule}: {String(a.value)}
          </div>
        ))}
      </section>
      <section>
        <h2>Negative posts</h2>
        <ul id="negative">
          {negatives.map((p) => (
            <li key={p.id}>
              [{p.category}] {p.author}: {p.text} ({p.sentiment?.score.toFixed(2)})
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h2>
          Analysts online: <span id="presence-count">{presence.count}</span>
        </h2>
        <ul id="analysts">
          {presence.members.map((m) => (
            <li key={m.client}>{(m.meta as { name?: string } | undefined)?.name ?? m.user}</li>
          ))}
        </ul>
      </section>
    </main>
  );
}

const query = new URLSearchParams(location.search);
const options = {
  url: `${location.origin.replace(/^http/, "ws")}/ws`,
  token: query.get("token") ?? "",
};
createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <HeraldProvider options={options}>
      <Dashboard analyst={query.get("analyst") ?? "analyst"} />
    </HeraldProvider>
  </StrictMode>,
);
