/**
 * Topics: the namespaces this session may read and (for admins) the busiest topics right now;
 * tail any topic or pattern with pause, a text filter, stored history and a JSON inspector.
 * Every reconnect leaves a visible notice: recovered exactly (how many events) or lost.
 */
import type { HeraldEvent } from "@herald/client";
import { patternProblem } from "@herald/protocol";
import { useSubscription } from "@herald/react";
import { type FormEvent, useEffect, useId, useState } from "react";
import { JsonView } from "../components/json-view.js";
import { formatRate, matchesFilter } from "../lib/format.js";
import type { StatsSample } from "../lib/stats.js";
import { useTail } from "../lib/use-tail.js";
import type { ViewProps } from "../view-props.js";

/** `#/topics?topic=market.>` opens the view tailing that topic. */
function topicFromHash(): string | null {
  const q = window.location.hash.split("?")[1];
  const t = q === undefined ? null : new URLSearchParams(q).get("topic");
  return t !== null && patternProblem(t) === undefined ? t : null;
}

function ActiveTopics({ statsTopic, onPick }: { statsTopic: string; onPick(topic: string): void }) {
  const [busiest, setBusiest] = useState<Map<string, Array<{ topic: string; rate: number }>>>(new Map());
  useSubscription<StatsSample>(statsTopic, {
    onEvent: (e) => setBusiest((m) => new Map(m).set(e.data.node, e.data.topics)),
  });
  const rates = new Map<string, number>();
  for (const list of busiest.values()) for (const t of list) rates.set(t.topic, (rates.get(t.topic) ?? 0) + t.rate);
  const sorted = [...rates].sort((a, b) => b[1] - a[1]);
  return (
    <section aria-labelledby="active-title">
      <h2 id="active-title">Active topics</h2>
      {sorted.length === 0 ? <p className="muted small">No events in the last second.</p> : null}
      <ul className="plain">
        {sorted.map(([topic, rate]) => (
          <li key={topic}>
            <button type="button" className="link mono" onClick={() => onPick(topic)}>
              {topic}
            </button>{" "}
            <span className="muted small">{formatRate(rate)}/s</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function TopicsView({ info }: ViewProps) {
  const [draft, setDraft] = useState(() => topicFromHash() ?? "");
  const [topic, setTopic] = useState<string | null>(topicFromHash);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [filter, setFilter] = useState("");
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const tail = useTail(topic);
  const topicId = useId();
  const filterId = useId();

  // A link to `#/topics?topic=…` followed while this view is open tails that topic.
  useEffect(() => {
    const onHash = () => {
      const t = topicFromHash();
      if (t === null) return;
      setDraft(t);
      setTopic(t);
      setSelected(undefined);
    };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  const open = (name: string) => {
    const why = patternProblem(name.trim());
    setProblem(why);
    if (why !== undefined) return;
    setDraft(name.trim());
    setTopic(name.trim());
    setSelected(undefined);
    window.history.replaceState(null, "", `#/topics?topic=${encodeURIComponent(name.trim())}`);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    open(draft);
  };

  const shown = tail.events.filter((e) => matchesFilter(e, filter));
  const current = tail.events.find((e) => e.id === selected) ?? shown[0];

  return (
    <section aria-labelledby="topics-title" className="topics">
      <h1 id="topics-title">Topics</h1>
      <div className="split">
        <aside className="side">
          <section aria-labelledby="ns-title">
            <h2 id="ns-title">Namespaces</h2>
            <ul className="plain">
              {info.namespaces.map((ns) => (
                <li key={ns.prefix}>
                  <button
                    type="button"
                    className="link mono"
                    onClick={() => open(ns.prefix === "" ? ">" : `${ns.prefix}.>`)}
                  >
                    {ns.prefix === "" ? "(default) >" : `${ns.prefix}.>`}
                  </button>{" "}
                  <span className="muted small">
                    history {ns.history}
                    {ns.durable ? ", durable" : ""}
                    {ns.presence ? ", presence" : ""}
                    {ns.state ? ", state" : ""}
                  </span>
                </li>
              ))}
            </ul>
          </section>
          {info.statsTopic === "" ? null : <ActiveTopics statsTopic={info.statsTopic} onPick={open} />}
        </aside>
        <div className="tail">
          <form className="row wrap" onSubmit={submit}>
            <label htmlFor={topicId}>Topic or pattern</label>
            <input
              id={topicId}
              className="mono grow"
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              placeholder="market.> or orders.42"
              aria-invalid={problem !== undefined}
              aria-describedby={problem === undefined ? undefined : `${topicId}-problem`}
              autoComplete="off"
              spellCheck={false}
            />
            <button type="submit">Tail</button>
          </form>
          {problem === undefined ? null : (
            <p id={`${topicId}-problem`} className="error" role="alert">
              {problem}
            </p>
          )}
          {topic === null ? (
            <p className="muted">Pick a namespace or type a topic or pattern (`*` one segment, `&gt;` the rest).</p>
          ) : (
            <>
              <div className="row wrap toolbar">
                <span className="status" data-testid="tail-status">
                  {tail.subscribed ? "● live" : "○ waiting"} <span className="mono">{topic}</span>
                </span>
                <button type="button" onClick={() => tail.setPaused(!tail.paused)} aria-pressed={tail.paused}>
                  {tail.paused ? `Resume${tail.held > 0 ? ` (${tail.held} new)` : ""}` : "Pause"}
                </button>
                {tail.canLoadHistory ? (
                  <button type="button" className="secondary" onClick={() => void tail.loadHistory()}>
                    Load history
                  </button>
                ) : null}
                <label htmlFor={filterId} className="inline">
                  Filter{" "}
                  <input
                    id={filterId}
                    value={filter}
                    onChange={(e) => setFilter(e.target.value)}
                    placeholder="text in topic, type or data"
                  />
                </label>
              </div>
              {tail.error === undefined ? null : (
                <p className="error" role="alert">
                  {tail.error}
                </p>
              )}
              <ul className="notices" aria-label="Reconnect notices" data-testid="notices">
                {tail.notices.map((n) => (
                  <li key={`${n.at}-${n.text}`} className={`notice notice-${n.kind}`}>
                    <time>{new Date(n.at).toLocaleTimeString()}</time> {n.text}
                  </li>
                ))}
              </ul>
              <div className="tail-grid">
                <ol className="events" aria-label="Events, newest first" data-testid="events">
                  {shown.length === 0 ? <li className="muted empty">No events yet.</li> : null}
                  {shown.map((e: HeraldEvent) => (
                    <li key={e.id}>
                      <button
                        type="button"
                        className={e.id === current?.id ? "event selected" : "event"}
                        onClick={() => setSelected(e.id)}
                        aria-pressed={e.id === current?.id}
                      >
                        <time className="muted">{new Date(e.timestamp).toLocaleTimeString()}</time>
                        <span className="mono">{e.topic}</span>
                        <span className="tag">{e.event}</span>
                        <span className="muted small">#{e.seq}</span>
                      </button>
                    </li>
                  ))}
                </ol>
                <div className="inspector">
                  {current === undefined ? (
                    <p className="muted">Select an event to inspect it.</p>
                  ) : (
                    <JsonView value={current} label={`Event ${current.id}`} />
                  )}
                </div>
              </div>
            </>
          )}
        </div>
      </div>
    </section>
  );
}
