/** Streams (admins): the analysis sessions active on this node and their progress, refreshed every two seconds. */
import { ApiErrorNote } from "../components/api-error.js";
import { usePoll } from "../lib/api.js";
import { relativeTime } from "../lib/format.js";
import { useNow } from "../lib/use-now.js";
import type { ViewProps } from "../view-props.js";

interface Session {
  stream_id: string;
  owner: string;
  content_type: string;
  status: string;
  chunks: number;
  created_at: number;
  updated_at: number;
  topic: string;
  partial: unknown;
}

export function StreamsView({ info, token }: ViewProps) {
  const prefix = info.streamsPrefix ?? "/api/v1/stream";
  const sessions = usePoll<{ sessions: Session[] }>(token, `${prefix}/sessions`);
  const now = useNow(5000);
  const list = sessions.data?.sessions ?? [];
  return (
    <section aria-labelledby="streams-title">
      <h1 id="streams-title">
        Streams <span className="badge">{list.length}</span>
      </h1>
      <p className="muted small">Analysis sessions active on node {info.node}.</p>
      <ApiErrorNote error={sessions.error} />
      {list.length === 0 && sessions.data !== undefined ? <p className="muted">No active session.</p> : null}
      <div className="table-wrap">
        <table data-testid="sessions">
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">Owner</th>
              <th scope="col">Type</th>
              <th scope="col">Chunks</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Last chunk</th>
              <th scope="col">Partial result</th>
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <tr key={s.stream_id} data-session={s.stream_id}>
                <td className="mono small">{s.stream_id}</td>
                <td>{s.owner}</td>
                <td>{s.content_type}</td>
                <td className="chunks">{s.chunks}</td>
                <td>
                  <span className={`status status-${s.status}`}>{s.status}</span>
                </td>
                <td className="small">{relativeTime(s.created_at, now)}</td>
                <td className="small">{relativeTime(s.updated_at, now)}</td>
                <td className="mono small">{s.partial === undefined ? "" : JSON.stringify(s.partial).slice(0, 120)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
