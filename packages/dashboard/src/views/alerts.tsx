/**
 * Alerts (admins): the rules with their state, an editor that creates a rule (or replaces one
 * made over the API; declared rules are read-only), and the firing history of every rule's
 * channel — the channel's recent history first, then live `alert_firing` / `alert_resolved`.
 */
import type { HeraldEvent } from "@herald/client";
import { useHeraldClient, useSubscription } from "@herald/react";
import { type FormEvent, useCallback, useEffect, useId, useState } from "react";
import { ApiErrorNote } from "../components/api-error.js";
import { api, usePoll } from "../lib/api.js";
import { relativeTime } from "../lib/format.js";
import { useNow } from "../lib/use-now.js";
import type { ViewProps } from "../view-props.js";

interface RuleSpec {
  id: string;
  type?: string;
  topic?: string;
  aggregation?: string;
  field: string;
  condition: "above" | "below" | "equals" | "contains";
  threshold: unknown;
  channel: string;
  severity?: string;
  enabled?: boolean;
}
interface RuleView {
  id: string;
  origin: "config" | "api";
  spec: RuleSpec;
  state: "ok" | "pending" | "firing";
  lastFired: number | null;
}
interface AlertData {
  rule: string;
  state: "firing" | "resolved";
  value: unknown;
  threshold: unknown;
  at: number;
}

function ChannelListener({ channel, onEvent }: { channel: string; onEvent(e: HeraldEvent<AlertData>): void }) {
  const client = useHeraldClient();
  useSubscription<AlertData>(channel, { onEvent });
  useEffect(() => {
    let live = true;
    void client
      .whenConnected()
      .then(() => client.history<AlertData>(channel, { limit: 50 }))
      .then((page) => {
        if (live) for (const e of page.events) onEvent(e);
      })
      .catch(() => {}); // live events still arrive
    return () => {
      live = false;
    };
  }, [client, channel, onEvent]);
  return null;
}

const EMPTY = { id: "", source: "topic", target: "", field: "", condition: "above", threshold: "", channel: "alerts" };

function Editor({ token, onSaved }: { token: string | undefined; onSaved(): void }) {
  const [form, setForm] = useState(EMPTY);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [saved, setSaved] = useState<string | undefined>(undefined);
  const ids = {
    id: useId(),
    source: useId(),
    target: useId(),
    field: useId(),
    cond: useId(),
    th: useId(),
    ch: useId(),
  };
  const set = (key: keyof typeof EMPTY) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setSaved(undefined);
    const numeric = form.condition === "above" || form.condition === "below";
    const threshold = numeric || /^-?\d+(\.\d+)?$/.test(form.threshold) ? Number(form.threshold) : form.threshold;
    const spec: Record<string, unknown> = {
      id: form.id.trim(),
      [form.source]: form.target.trim(),
      field: form.field.trim(),
      condition: form.condition,
      threshold,
      channel: form.channel.trim(),
    };
    try {
      await api(token, "/api/alerts", { method: "POST", body: spec });
      setSaved(spec.id as string);
      setForm(EMPTY);
      onSaved();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form className="card" aria-labelledby="editor-title" onSubmit={(e) => void submit(e)} data-testid="rule-editor">
      <h2 id="editor-title">New rule</h2>
      <div className="row wrap">
        <label htmlFor={ids.id}>Id</label>
        <input id={ids.id} required pattern="[A-Za-z0-9_-]{1,64}" value={form.id} onChange={set("id")} />
        <label htmlFor={ids.source}>Reads</label>
        <select id={ids.source} value={form.source} onChange={set("source")}>
          <option value="topic">events on topic</option>
          <option value="aggregation">aggregation results</option>
        </select>
        <label htmlFor={ids.target} className="visually-hidden">
          Topic or aggregation
        </label>
        <input
          id={ids.target}
          required
          className="mono"
          placeholder={form.source === "topic" ? "posts.>" : "posts"}
          value={form.target}
          onChange={set("target")}
        />
      </div>
      <div className="row wrap">
        <label htmlFor={ids.field}>Field</label>
        <input
          id={ids.field}
          required
          className="mono"
          placeholder="engagement"
          value={form.field}
          onChange={set("field")}
        />
        <label htmlFor={ids.cond}>Condition</label>
        <select id={ids.cond} value={form.condition} onChange={set("condition")}>
          <option value="above">above</option>
          <option value="below">below</option>
          <option value="equals">equals</option>
          <option value="contains">contains</option>
        </select>
        <label htmlFor={ids.th}>Threshold</label>
        <input id={ids.th} required value={form.threshold} onChange={set("threshold")} />
        <label htmlFor={ids.ch}>Channel</label>
        <input id={ids.ch} required className="mono" value={form.channel} onChange={set("channel")} />
        <button type="submit">Create rule</button>
      </div>
      <ApiErrorNote error={error} />
      {saved === undefined ? null : (
        <p className="muted" role="status">
          Rule <code>{saved}</code> created.
        </p>
      )}
    </form>
  );
}

export function AlertsView({ token }: ViewProps) {
  const rules = usePoll<{ rules: RuleView[] }>(token, "/api/alerts", 3000);
  const [events, setEvents] = useState<Array<HeraldEvent<AlertData>>>([]);
  const [error, setError] = useState<Error | undefined>(undefined);
  const now = useNow(10_000);
  const list = rules.data?.rules ?? [];
  const channels = [...new Set(list.map((r) => r.spec.channel))].sort();
  const onEvent = useCallback((e: HeraldEvent<AlertData>) => {
    if (e.event !== "alert_firing" && e.event !== "alert_resolved") return;
    setEvents((all) =>
      all.some((x) => x.id === e.id) ? all : [...all, e].sort((a, b) => b.data.at - a.data.at).slice(0, 200),
    );
  }, []);
  const change = async (rule: RuleView, what: "toggle" | "delete") => {
    setError(undefined);
    try {
      const path = `/api/alerts/${encodeURIComponent(rule.id)}`;
      if (what === "delete") await api(token, path, { method: "DELETE" });
      else await api(token, path, { method: "PUT", body: { ...rule.spec, enabled: rule.spec.enabled === false } });
    } catch (err) {
      setError(err as Error);
    }
    rules.reload();
  };
  return (
    <section aria-labelledby="alerts-title">
      <h1 id="alerts-title">Alerts</h1>
      {channels.map((c) => (
        <ChannelListener key={c} channel={c} onEvent={onEvent} />
      ))}
      <ApiErrorNote error={rules.error ?? error} />
      <div className="table-wrap">
        <table data-testid="rules">
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Reads</th>
              <th scope="col">Condition</th>
              <th scope="col">Channel</th>
              <th scope="col">State</th>
              <th scope="col">Last fired</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-rule={r.id} data-state={r.state}>
                <td className="mono">
                  {r.id}
                  {r.origin === "config" ? <span className="muted small"> (declared)</span> : null}
                </td>
                <td className="mono small">{r.spec.topic ?? `aggregation ${r.spec.aggregation}`}</td>
                <td className="small">
                  {r.spec.field} {r.spec.condition} {JSON.stringify(r.spec.threshold)}
                </td>
                <td className="mono small">{r.spec.channel}</td>
                <td>
                  <span className={`status status-${r.state}`}>{r.spec.enabled === false ? "disabled" : r.state}</span>
                </td>
                <td className="small">{r.lastFired === null ? "never" : relativeTime(r.lastFired, now)}</td>
                <td>
                  {r.origin === "api" ? (
                    <span className="row">
                      <button type="button" className="link" onClick={() => void change(r, "toggle")}>
                        {r.spec.enabled === false ? "Enable" : "Disable"}
                      </button>
                      <button type="button" className="link" onClick={() => void change(r, "delete")}>
                        Delete
                      </button>
                    </span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Editor token={token} onSaved={rules.reload} />
      <section aria-labelledby="history-title">
        <h2 id="history-title">Firing history</h2>
        {events.length === 0 ? <p className="muted">No alert has fired yet.</p> : null}
        <ol className="events" data-testid="alert-history" aria-live="polite">
          {events.map((e) => (
            <li key={e.id} data-rule={e.data.rule} data-state={e.data.state}>
              <strong>{e.data.rule}</strong> {e.data.state} — value <code>{JSON.stringify(e.data.value)}</code>{" "}
              (threshold {JSON.stringify(e.data.threshold)}) on <span className="mono">{e.topic}</span>,{" "}
              <span className="muted small">{relativeTime(e.data.at, now)}</span>
            </li>
          ))}
        </ol>
      </section>
    </section>
  );
}
