import { fixed, formatTable } from './report.ts';
import type { StartTiming } from './startup-timer.ts';

export interface StartupRow {
  name: string;
  samples: StartTiming[];
}

// Issue 7's targets for stage 1; shown beside the figures, never asserted.
const TARGET_SECONDS: Record<string, number> = { cold: 10, warm: 2, 'warm, npm start': 2 };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median ready time and CPU per row, and each as a ratio to the two ceilings of the same run. */
export function startupTable(rows: StartupRow[]): string {
  const ready = (name: string) =>
    median(rows.find((r) => r.name === name)?.samples.map((s) => s.readySeconds) ?? []);
  const hello = ready('hello world');
  const pglite = ready('PGlite open');
  const header = ['start', 'ready s', 'min–max s', 'CPU s', '÷ hello world', '÷ PGlite open', 'target s'];
  const body = rows.map(({ name, samples }) => {
    const times = samples.map((s) => s.readySeconds);
    const cpu = samples.map((s) => s.cpuSeconds).filter((c): c is number => c !== null);
    const m = median(times);
    return [
      name,
      fixed(m, 2),
      `${fixed(Math.min(...times), 2)}–${fixed(Math.max(...times), 2)}`,
      fixed(median(cpu), 2),
      fixed(m / hello, 1),
      fixed(m / pglite, 2),
      TARGET_SECONDS[name] ? `≤ ${TARGET_SECONDS[name]}` : '',
    ];
  });
  return formatTable(header, body, 1);
}
