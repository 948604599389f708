import { useEffect, useId, useRef } from 'react';
import uPlot, { type AlignedData, type Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { OpsChart as Chart } from '@graminsta/contracts';
import { formatTick, formatValue } from './format.ts';

// Distinct on white and for the common colour-vision deficiencies (Okabe–Ito).
const COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#f0e442'];
const HEIGHT = 180;

/** uPlot wants one time axis: the union of every series' timestamps, gaps as null. */
export function alignedData(chart: Chart): AlignedData {
  const times = [...new Set(chart.series.flatMap((s) => s.points.map(([t]) => t)))].sort((a, b) => a - b);
  const ys = chart.series.map((s) => {
    const at = new Map<number, number>(s.points.map(([t, v]) => [t, v]));
    return times.map((t) => at.get(t) ?? null);
  });
  return [times, ...ys];
}

function optionsOf(chart: Chart, width: number): Options {
  return {
    width,
    height: HEIGHT,
    series: [
      {},
      ...chart.series.map((s, i) => ({
        label: s.name,
        stroke: COLOURS[i % COLOURS.length],
        width: 2,
        spanGaps: false,
        value: (_: uPlot, v: number | null) => (v == null ? '–' : formatValue(v, chart.unit)),
      })),
    ],
    axes: [{}, { size: 64, values: (_, ticks) => ticks.map((v) => formatTick(v, chart.unit)) }],
    scales: { y: { range: (_, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
    legend: { show: true },
  };
}

/** Whether this browser can draw (a DOM without canvas, as in component tests, shows the text alone). */
function canDraw(): boolean {
  try {
    return document.createElement('canvas').getContext('2d') !== null;
  } catch {
    return false;
  }
}

/** The latest value of each series, in words: what a screen reader (or a glance) needs. */
function LatestValues({ chart }: { chart: Chart }) {
  if (chart.series.length === 0) return <p className="muted small">No data yet.</p>;
  return (
    <ul className="ops-latest" aria-label={`Latest values: ${chart.title}`}>
      {chart.series.map((s) => {
        const last = s.points.at(-1);
        return (
          <li key={s.name} data-series={s.name} data-value={last ? String(last[1]) : ''}>
            <span className="ops-series-name">{s.name}</span>:{' '}
            {last ? formatValue(last[1], chart.unit) : 'no data'}
          </li>
        );
      })}
    </ul>
  );
}

/** One chart of the operations page: a uPlot line chart with its legend, and its values in text. */
export function OpsChartView({ chart }: { chart: Chart }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = chart.series.map((s) => s.name).join('\u0000');
  const titleId = useId();

  // A new set of lines makes a new chart; new points on the same lines only move it.
  useEffect(() => {
    const el = box.current;
    if (!el || !canDraw()) return;
    plot.current = new uPlot(optionsOf(chart, el.clientWidth || 480), alignedData(chart), el);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // Rebuilt on a new shape only: the effect below feeds it new points.
  }, [shape, chart.unit]);

  useEffect(() => {
    plot.current?.setData(alignedData(chart));
  }, [chart]);

  return (
    <figure className="ops-chart" data-testid={`ops-chart-${chart.id}`} aria-labelledby={titleId}>
      <figcaption id={titleId}>
        <h2>{chart.title}</h2>
      </figcaption>
      <div ref={box} className="ops-plot" aria-hidden="true" />
      <LatestValues chart={chart} />
    </figure>
  );
}
