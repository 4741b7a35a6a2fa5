/** Connectors (admins): every configured source with its state, counters, lag and last error. */
import { ApiErrorNote } from "../components/api-error.js";
import { usePoll } from "../lib/api.js";
import type { ViewProps } from "../view-props.js";

interface ConnectorStatus {
  name: string;
  type: string;
  required: boolean;
  state: "starting" | "running" | "reconnecting" | "stopped" | "failed";
  received: number;
  accepted: number;
  rejected: number;
  reconnects: number;
  lag?: number | null;
  lastError?: string;
}

export function ConnectorsView({ token }: ViewProps) {
  const info = usePoll<{ connectors?: ConnectorStatus[] }>(token, "/api/info");
  const list = info.data?.connectors ?? [];
  return (
    <section aria-labelledby="connectors-title">
      <h1 id="connectors-title">Connectors</h1>
      <ApiErrorNote error={info.error} />
      <div className="table-wrap">
        <table data-testid="connectors">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">State</th>
              <th scope="col">Received</th>
              <th scope="col">Accepted</th>
              <th scope="col">Dead-lettered</th>
              <th scope="col">Reconnects</th>
              <th scope="col">Lag</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.name} data-connector={c.name}>
                <td className="mono">
                  {c.name}
                  {c.required ? "" : <span className="muted small"> (optional)</span>}
                </td>
                <td>{c.type}</td>
                <td>
                  <span className={`status status-${c.state}`}>{c.state}</span>
                </td>
                <td className="received">{c.received}</td>
                <td className="accepted">{c.accepted}</td>
                <td className="rejected">{c.rejected}</td>
                <td>{c.reconnects}</td>
                <td>{c.lag ?? "—"}</td>
                <td className="small">{c.lastError ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
