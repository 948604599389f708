import { getAgain } from '../monitor/get-again.ts';

/** One series of a Prometheus text exposition: its labels and value. */
export interface Series {
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Every series of metric `name` (exactly that name: not its _bucket, _sum or _count). */
export function seriesOf(text: string, name: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

/** The sum of `name` over its series whose labels include every pair of `where`. */
export function sumMetric(text: string, name: string, where: Record<string, string> = {}): number {
  return seriesOf(text, name)
    .filter((s) => Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** `name` summed by one label's values (series without the label count under `''`). */
export function sumBy(text: string, name: string, label: string): Map<string, number> {
  const by = new Map<string, number>();
  for (const s of seriesOf(text, name)) {
    const key = s.labels[label] ?? '';
    by.set(key, (by.get(key) ?? 0) + s.value);
  }
  return by;
}

/** `after - before`, per key, keeping only the keys that changed. */
export function deltas(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d !== 0) out.set(k, d);
  }
  return out;
}

/** Each process's /metrics text, fetched together. */
export async function scrape(ports: readonly number[], host = '127.0.0.1'): Promise<string[]> {
  return Promise.all(
    ports.map(async (port) => {
      const res = await getAgain(`http://${host}:${port}/metrics`);
      if (!res.ok) throw new Error(`GET /metrics on ${port} answered ${res.status}`);
      return res.text();
    }),
  );
}

/** `name` summed by `label` over several processes' texts. */
export function sumByAcross(texts: readonly string[], name: string, label: string): Map<string, number> {
  const total = new Map<string, number>();
  for (const text of texts)
    for (const [k, v] of sumBy(text, name, label)) total.set(k, (total.get(k) ?? 0) + v);
  return total;
}
