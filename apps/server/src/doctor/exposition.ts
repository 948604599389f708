/** One series of a Prometheus text exposition: its labels and value. */
export interface Series {
  labels: Record<string, string>;
  value: number;
}

/** A whole /metrics text, parsed once: every series by metric name (`_bucket` etc. as their own names). */
export type Exposition = Map<string, Series[]>;

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
// Our processes expose a few hundred series; a text past this is not one of ours.
const MAX_LINES = 50_000;

/**
 * Parses the text exposition format (the subset prom-client writes: no timestamps needed).
 * Lines that are not samples are skipped, so garbage gives an empty map, never a throw.
 * (apps/server/src/testing/metrics-text.ts reads one metric per pass for tests; the doctor reads
 * some twenty metrics of each process, so it parses once.)
 */
export function parseExposition(text: string): Exposition {
  const out: Exposition = new Map();
  const lines = text.split('\n', MAX_LINES);
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const raw = m[3]!;
    const value = raw === '+Inf' || raw === 'Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    if (Number.isNaN(value) && raw !== 'NaN') continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    const name = m[1]!;
    let list = out.get(name);
    if (!list) out.set(name, (list = []));
    list.push({ labels, value });
  }
  return out;
}

/** The sum of `name` over its series that `keep` accepts (all by default); 0 when absent. */
export function total(
  exp: Exposition,
  name: string,
  keep: (labels: Record<string, string>) => boolean = () => true,
): number {
  let sum = 0;
  for (const s of exp.get(name) ?? []) if (keep(s.labels) && Number.isFinite(s.value)) sum += s.value;
  return sum;
}

/** `name` summed by the value of one label (`key` may join several labels with ':'). */
export function by(
  exp: Exposition,
  name: string,
  key: (labels: Record<string, string>) => string | null,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of exp.get(name) ?? []) {
    const k = key(s.labels);
    if (k === null || !Number.isFinite(s.value)) continue;
    out[k] = (out[k] ?? 0) + s.value;
  }
  return out;
}

/** The single value of a gauge without labels, or null when the process does not expose it. */
export function single(exp: Exposition, name: string): number | null {
  const s = exp.get(name)?.[0];
  return s === undefined ? null : s.value;
}
