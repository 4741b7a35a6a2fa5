/**
 * A JSON inspector: objects and arrays fold open and closed (native `<details>`, so keyboard
 * and screen readers work without extra code); the first two levels start open.
 */
import type { ReactNode } from "react";

function scalar(value: unknown): ReactNode {
  if (typeof value === "string") return <span className="j-str">{JSON.stringify(value)}</span>;
  if (typeof value === "number") return <span className="j-num">{String(value)}</span>;
  if (typeof value === "boolean" || value === null) return <span className="j-lit">{String(value)}</span>;
  return <span className="j-lit">{JSON.stringify(value) ?? "undefined"}</span>;
}

function Node({ name, value, depth }: { name: string | undefined; value: unknown; depth: number }) {
  const label = name === undefined ? null : <span className="j-key">{name}: </span>;
  if (typeof value !== "object" || value === null) {
    return (
      <div className="j-row">
        {label}
        {scalar(value)}
      </div>
    );
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  return (
    <details open={depth < 2} className="j-node">
      <summary>
        {label}
        <span className="muted">{summary}</span>
      </summary>
      <div className="j-children">
        {entries.map(([k, v]) => (
          <Node key={k} name={k} value={v} depth={depth + 1} />
        ))}
      </div>
    </details>
  );
}

export function JsonView({ value, label }: { value: unknown; label: string }) {
  return (
    <section className="json" aria-label={label}>
      <Node name={undefined} value={value} depth={0} />
    </section>
  );
}
