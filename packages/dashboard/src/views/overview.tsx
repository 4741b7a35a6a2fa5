/**
 * Overview (admins): every node's stats sample from the stats topic — connections,
 * subscriptions, events in/out per second, delivery latency percentiles, errors — as tiles,
 * live charts and a per-node table. The last two minutes come from the topic's history, so the
 * charts are full as soon as the view opens.
 */
import type { HeraldEvent } from "@herald/client";
import { useHeraldClient, useSubscription } from "@herald/react";
import { useEffect, useId, useMemo, useState } from "react";
import { Chart } from "../components/chart.js";
import { formatMs, formatRate } from "../lib/format.js";
import { addSample, fold, liveNodes, type Samples, type StatsSample } from "../lib/stats.js";
import { useNow } from "../lib/use-now.js";
import type { ViewProps } from "../view-props.js";

const ALL = "";

export function OverviewView({ info }: ViewProps) {
  const client = useHeraldClient();
  const topic = info.statsTopic;
  const interval = info.statsIntervalMs ?? 1000;
  const [samples, setSamples] = useState<Samples>(new Map());
  const [node, setNode] = useState(ALL);
  const selectId = useId();
  const now = useNow(interval);

  const error = useSubscription<StatsSample>(topic, {
    onEvent: (e: HeraldEvent<StatsSample>) => setSamples((s) => addSample(s, e.data)),
  });
  useEffect(() => {
    let live = true;
    void client
      .whenConnected()
      .then(() => client.history<StatsSample>(topic, { limit: 300 }))
      .then((page) => {
        if (live) setSamples((s) => page.events.reduce((acc, e) => addSample(acc, e.data), s));
      })
      .catch(() => {}); // the live samples fill the charts anyway
    return () => {
      live = false;
    };
  }, [client, topic]);

  const nodes = liveNodes(samples, interval * 10);
  const chosen = node === ALL || !nodes.includes(node) ? nodes : [node];
  const series = useMemo(() => fold(samples, chosen, interval), [samples, chosen.join(","), interval]);
  const last = series.t.length - 1;
  const at = (list: Array<number | null>) => (last < 0 ? null : (list[last] ?? null));

  return (
    <section aria-labelledby="overview-title">
      <div className="view-head">
        <h1 id="overview-title">Overview</h1>
        <label htmlFor={selectId} className="inline">
          Node{" "}
          <select id={selectId} value={node} onChange={(e) => setNode(e.target.value)}>
            <option value={ALL}>All nodes ({nodes.length})</option>
            {nodes.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error === undefined ? null : (
        <p className="error" role="alert">
          Stats unavailable: {error.message}
        </p>
      )}
      <dl className="tiles" data-testid="tiles">
        <Tile label="Connections" value={formatRate(at(series.connections))} />
        <Tile label="Subscriptions" value={formatRate(at(series.subscriptions))} />
        <Tile label="Events in / s" value={formatRate(at(series.eventsIn))} />
        <Tile label="Deliveries / s" value={formatRate(at(series.eventsOut))} />
        <Tile label="Latency p50" value={formatMs(at(series.p50))} />
        <Tile label="Latency p99" value={formatMs(at(series.p99))} />
        <Tile label="Errors / s" value={formatRate(at(series.errors))} />
      </dl>
      <div className="charts">
        <Chart
          title="Events per second"
          unit="/s"
          data={[series.t, series.eventsIn, series.eventsOut]}
          series={[
            { label: "in", color: "#1d4ed8" },
            { label: "delivered", color: "#047857" },
          ]}
        />
        <Chart
          title="Delivery latency"
          unit="ms"
          data={[series.t, series.p50, series.p90, series.p99]}
          series={[
            { label: "p50", color: "#1d4ed8" },
            { label: "p90", color: "#b45309" },
            { label: "p99", color: "#b91c1c" },
          ]}
        />
        <Chart
          title="Connections and errors"
          unit="n"
          data={[series.t, series.connections, series.subscriptions, series.errors]}
          series={[
            { label: "connections", color: "#1d4ed8" },
            { label: "subscriptions", color: "#6d28d9" },
            { label: "errors/s", color: "#b91c1c" },
          ]}
        />
      </div>
      <h2>Nodes</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">Connections</th>
              <th scope="col">Subscriptions</th>
              <th scope="col">In / s</th>
              <th scope="col">Out / s</th>
              <th scope="col">p99</th>
              <th scope="col">Errors / s</th>
              <th scope="col">Busiest topic</th>
            </tr>
          </thead>
          <tbody>
            {nodes.map((n) => {
              const list = samples.get(n) ?? [];
              const s = list[list.length - 1] as StatsSample;
              return (
                <tr key={n} className={now - s.at > interval * 5 ? "stale" : undefined}>
                  <th scope="row">{n}</th>
                  <td>{s.connections}</td>
                  <td>{s.subscriptions}</td>
                  <td>{formatRate(s.eventsIn)}</td>
                  <td>{formatRate(s.eventsOut)}</td>
                  <td>{formatMs(s.latencyMs.p99)}</td>
                  <td>{formatRate(s.errors)}</td>
                  <td className="mono">{s.topics[0]?.topic ?? "–"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Tile({ label, value }: { label: string; value: string }) {
  return (
    <div className="tile">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
