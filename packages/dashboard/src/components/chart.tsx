/**
 * A streaming time-series chart on uPlot. The chart keeps a fixed height and follows its
 * container's width, so data arriving never moves the page; new data replaces the series
 * in place (`setData`) instead of rebuilding the chart.
 */
import { useEffect, useRef } from "react";
import uPlot from "uplot";

export interface ChartSeries {
  label: string;
  color: string;
}

export interface ChartProps {
  title: string;
  /** x: seconds since the Unix epoch; one array per series, aligned with x. */
  data: [number[], ...Array<Array<number | null>>];
  series: ChartSeries[];
  unit: string;
  /** @default 180 */
  height?: number;
}

export function Chart({ title, data, series, unit, height = 180 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;
  const key = series.map((s) => s.label).join("|");

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const options: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: "#3b4252", grid: { stroke: "#e5e7eb" } },
        { stroke: "#3b4252", grid: { stroke: "#e5e7eb" }, size: 56, values: (_u, v) => v.map((n) => `${n}`) },
      ],
      series: [
        {},
        // spanGaps: an interval without deliveries has no latency; the line bridges it.
        ...series.map((s) => ({ label: `${s.label} (${unit})`, stroke: s.color, width: 2, spanGaps: true })),
      ],
    };
    const u = new uPlot(options, latest.current as uPlot.AlignedData, el);
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [key, height, unit]);

  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData);
  }, [data]);

  return (
    <figure className="chart" data-samples={data[0].length}>
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-box" style={{ minHeight: height + 40 }} role="img" aria-label={title} />
    </figure>
  );
}
