/**
 * Pipeline (admins): what each configured stage did on this node (passed, refused by code),
 * refreshed every two seconds, and the dead letters with replay — one, the selected ones, or all.
 */
import { useState } from "react";
import { ApiErrorNote } from "../components/api-error.js";
import { api, usePoll } from "../lib/api.js";
import { relativeTime } from "../lib/format.js";
import { useNow } from "../lib/use-now.js";
import type { ViewProps } from "../view-props.js";

interface StageCount {
  namespace: string;
  index: number;
  stage: string;
  passed: number;
  refused: number;
  codes: Record<string, number>;
}
interface DeadLetter {
  id: string;
  at: number;
  source: string;
  stage: string;
  code: string;
  reason: string;
  request: { topic?: string; id?: string };
}
interface ReplayAnswer {
  results: Array<{ id: string; status: "published" | "duplicate" | "refused" | "not_found"; code?: string }>;
}

function Stages({ token }: { token: string | undefined }) {
  const stages = usePoll<{ stages: StageCount[] }>(token, "/api/pipeline");
  const list = stages.data?.stages ?? [];
  return (
    <section aria-labelledby="stages-title">
      <h2 id="stages-title">Stages</h2>
      <ApiErrorNote error={stages.error} />
      {list.length === 0 && stages.data !== undefined ? (
        <p className="muted">No namespace has a pipeline (docs/pipeline.md).</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="stages">
            <thead>
              <tr>
                <th scope="col">Namespace</th>
                <th scope="col">#</th>
                <th scope="col">Stage</th>
                <th scope="col">Passed</th>
                <th scope="col">Refused</th>
                <th scope="col">By code</th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={`${s.namespace}/${s.index}`} data-stage={`${s.namespace}/${s.stage}`}>
                  <td className="mono">{s.namespace || "(default)"}</td>
                  <td>{s.index + 1}</td>
                  <td>{s.stage}</td>
                  <td className="passed">{s.passed}</td>
                  <td className="refused">{s.refused}</td>
                  <td className="mono small">
                    {Object.entries(s.codes)
                      .map(([code, n]) => `${code} ${n}`)
                      .join(", ")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function DeadLetters({ token }: { token: string | undefined }) {
  const letters = usePoll<{ deadLetters: DeadLetter[] }>(token, "/api/dead-letters?limit=100");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [note, setNote] = useState<string | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const now = useNow(5000);
  const list = letters.data?.deadLetters ?? [];
  const replay = async (body: { ids: string[] } | { all: true }) => {
    setError(undefined);
    try {
      const answer = await api<ReplayAnswer>(token, "/api/dead-letters/replay", { method: "POST", body });
      const by = (status: string) => answer.results.filter((r) => r.status === status).length;
      setNote(
        `Replayed ${answer.results.length}: ${by("published")} published, ${by("duplicate")} duplicate, ${by("refused")} refused again.`,
      );
      setSelected(new Set());
    } catch (err) {
      setError(err as Error);
    }
    letters.reload();
  };
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  return (
    <section aria-labelledby="dead-title">
      <div className="view-head">
        <h2 id="dead-title">
          Dead letters <span className="badge">{list.length}</span>
        </h2>
        <div className="toolbar">
          <button type="button" disabled={selected.size === 0} onClick={() => void replay({ ids: [...selected] })}>
            Replay selected ({selected.size})
          </button>
          <button type="button" disabled={list.length === 0} onClick={() => void replay({ all: true })}>
            Replay all
          </button>
        </div>
      </div>
      <ApiErrorNote error={letters.error ?? error} />
      {note === undefined ? null : (
        <p className="muted" role="status">
          {note}
        </p>
      )}
      {list.length === 0 ? (
        <p className="muted">No dead letters.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="dead-letters">
            <thead>
              <tr>
                <th scope="col">
                  <span className="visually-hidden">Select</span>
                </th>
                <th scope="col">When</th>
                <th scope="col">Source</th>
                <th scope="col">Stage</th>
                <th scope="col">Code</th>
                <th scope="col">Topic</th>
                <th scope="col">Reason</th>
                <th scope="col">
                  <span className="visually-hidden">Replay</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((d) => (
                <tr key={d.id} data-id={d.id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`select ${d.id}`}
                      checked={selected.has(d.id)}
                      onChange={() => toggle(d.id)}
                    />
                  </td>
                  <td className="small">{relativeTime(d.at, now)}</td>
                  <td>{d.source}</td>
                  <td>{d.stage}</td>
                  <td className="mono">{d.code}</td>
                  <td className="mono small">{d.request.topic ?? ""}</td>
                  <td className="small">{d.reason}</td>
                  <td>
                    <button type="button" className="link" onClick={() => void replay({ ids: [d.id] })}>
                      Replay
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function PipelineView({ token }: ViewProps) {
  return (
    <section aria-labelledby="pipeline-title">
      <h1 id="pipeline-title">Pipeline</h1>
      <Stages token={token} />
      <DeadLetters token={token} />
    </section>
  );
}
