/**
 * Aggregations (admins): the running aggregations, and for the chosen one a live chart of its
 * window results — the recorded series first (`GET /api/aggregations/{name}/series`), then each
 * new window from its result topic (a state topic followed with `useStateTopic`: the snapshot
 * in the subscribe ack, then a delta per window).
 */
import { useStateTopic } from "@herald/react";
import { useEffect, useId, useMemo, useState } from "react";
import { ApiErrorNote } from "../components/api-error.js";
import { Chart } from "../components/chart.js";
import { api, usePoll } from "../lib/api.js";
import type { ViewProps } from "../view-props.js";

interface AggregationView {
  name: string;
  origin: "config" | "api";
  spec: { topic: string; field?: string; ops?: string[]; window: string | number; slide?: string | number };
  output: string;
  late: number;
}
interface WindowDoc {
  window?: { start: number; end: number };
  values?: Record<string, number | null>;
}
interface Point {
  at: number;
  values: Record<string, number | null>;
}

const COLORS = ["#2e90fa", "#12b76a", "#f79009", "#d92d20", "#7a5af8", "#ee46bc", "#667085", "#0e9384", "#b54708"];
const MAX_POINTS = 600;

function addPoint(list: Point[], p: Point): Point[] {
  if (list.length > 0 && (list[list.length - 1] as Point).at >= p.at) return list; // already there
  const next = [...list, p];
  return next.length > MAX_POINTS ? next.slice(next.length - MAX_POINTS) : next;
}

function Live({ token, agg }: { token: string | undefined; agg: AggregationView }) {
  const [points, setPoints] = useState<Point[]>([]);
  const [error, setError] = useState<Error | undefined>(undefined);
  const ops = agg.spec.ops ?? ["count"];

  useEffect(() => {
    let live = true;
    const from = Date.now() - 10 * 60_000;
    api<{ points: Array<{ at: number; value: WindowDoc }> }>(
      token,
      `/api/aggregations/${encodeURIComponent(agg.name)}/series?from=${from}&limit=${MAX_POINTS}`,
    ).then(
      (r) => {
        if (!live) return;
        setPoints((now) =>
          r.points
            .reduce((acc, p) => addPoint(acc, { at: p.at, values: p.value.values ?? {} }), [] as Point[])
            .concat(now.filter((p) => p.at > (r.points[r.points.length - 1]?.at ?? 0))),
        );
      },
      (err: Error) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, [token, agg.name]);

  const subError = useStateTopic(agg.output, (d) => {
    const w = d.state as WindowDoc;
    if (typeof w.window?.end === "number") {
      const point = { at: w.window.end, values: { ...(w.values ?? {}) } };
      setPoints((list) => addPoint(list, point));
    }
  });

  const data = useMemo(
    () =>
      [points.map((p) => p.at / 1000), ...ops.map((op) => points.map((p) => p.values[op] ?? null))] as [
        number[],
        ...Array<Array<number | null>>,
      ],
    [points, ops.join(",")],
  );
  const last = points[points.length - 1];
  return (
    <section aria-labelledby="agg-live-title">
      <h2 id="agg-live-title" className="mono">
        {agg.name}
      </h2>
      <ApiErrorNote error={error ?? subError} />
      <p className="muted small">
        {agg.spec.topic} · {agg.spec.field ?? "count"} · window {String(agg.spec.window)}
        {agg.spec.slide === undefined ? "" : `, every ${String(agg.spec.slide)}`} · late {agg.late}
      </p>
      <dl className="tiles" data-testid="agg-tiles">
        {ops.map((op) => (
          <div className="tile" key={op} data-op={op}>
            <dt>{op}</dt>
            <dd className="value">{last?.values[op] ?? "—"}</dd>
          </div>
        ))}
      </dl>
      <Chart
        title={`${agg.name}: ${ops.join(", ")} per window`}
        data={data}
        series={ops.map((op, i) => ({ label: op, color: COLORS[i % COLORS.length] as string }))}
        unit={agg.spec.field ?? "events"}
      />
    </section>
  );
}

export function AggregationsView({ token }: ViewProps) {
  const list = usePoll<{ aggregations: AggregationView[] }>(token, "/api/aggregations", 5000);
  const all = list.data?.aggregations ?? [];
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const selectId = useId();
  const agg = all.find((a) => a.name === chosen) ?? all[0];
  return (
    <section aria-labelledby="aggregations-title">
      <div className="view-head">
        <h1 id="aggregations-title">Aggregations</h1>
        {all.length === 0 ? null : (
          <label htmlFor={selectId} className="inline">
            Aggregation{" "}
            <select id={selectId} value={agg?.name ?? ""} onChange={(e) => setChosen(e.target.value)}>
              {all.map((a) => (
                <option key={a.name} value={a.name}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <ApiErrorNote error={list.error} />
      {list.data !== undefined && all.length === 0 ? (
        <p className="muted">No aggregation runs (docs/aggregations.md).</p>
      ) : null}
      {agg === undefined ? null : <Live key={agg.name} token={token} agg={agg} />}
    </section>
  );
}
