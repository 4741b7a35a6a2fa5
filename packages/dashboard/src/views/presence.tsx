/** Presence: who is connected to a topic of a presence namespace, live (joins and leaves). */
import { usePresence } from "@herald/react";
import { type FormEvent, useId, useState } from "react";
import type { ViewProps } from "../view-props.js";

function Members({ topic }: { topic: string }) {
  const presence = usePresence(topic, { meta: { via: "dashboard" } });
  if (presence.error !== undefined) {
    return (
      <p className="error" role="alert">
        {presence.error.message}
      </p>
    );
  }
  return (
    <section aria-live="polite" aria-busy={presence.loading}>
      <p>
        <strong data-testid="presence-count">{presence.count}</strong> connected to{" "}
        <span className="mono">{topic}</span> <span className="muted small">(this dashboard included)</span>
      </p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Connection</th>
              <th scope="col">Metadata</th>
            </tr>
          </thead>
          <tbody>
            {presence.members.map((m) => (
              <tr key={m.client}>
                <td>{m.user ?? "anonymous"}</td>
                <td className="mono small">{m.client}</td>
                <td className="mono small">{m.meta === undefined ? "" : JSON.stringify(m.meta)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function PresenceView({ info }: ViewProps) {
  const spaces = info.namespaces.filter((ns) => ns.presence);
  const [draft, setDraft] = useState(spaces[0] === undefined ? "" : `${spaces[0].prefix}.lobby`);
  const [topic, setTopic] = useState<string | null>(null);
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (draft.trim() !== "") setTopic(draft.trim());
  };
  return (
    <section aria-labelledby="presence-title">
      <h1 id="presence-title">Presence</h1>
      <p className="muted small">
        Namespaces with presence: {spaces.length === 0 ? "none" : spaces.map((s) => s.prefix || "(default)").join(", ")}
      </p>
      <form className="row wrap" onSubmit={submit}>
        <label htmlFor={id}>Topic</label>
        <input id={id} className="mono grow" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button type="submit">Show</button>
      </form>
      {topic === null ? null : <Members key={topic} topic={topic} />}
    </section>
  );
}
