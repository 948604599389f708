import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { Measurement } from './load.ts';

export type DbKind = 'pglite' | 'postgres';

export interface Row extends Measurement {
  scenario: string;
  db: DbKind;
  /** req/s of this scenario over req/s of the hello world measured just before it, same database block. */
  ratio: number;
}

export interface Report {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  options: Record<string, unknown>;
  seedSeconds: Partial<Record<DbKind, number>>;
  rows: Row[];
}

export function machineInfo(): Report['machine'] {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

/**
 * A markdown table that also reads well in a terminal: columns are padded to equal width, and
 * columns from `firstNumeric` on are right-aligned.
 */
export function formatTable(header: string[], body: string[][], firstNumeric: number): string {
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((line) => (line[c] ?? '').length)));
  const numeric = (c: number) => c >= firstNumeric;
  const cells = (line: string[]) =>
    `| ${widths.map((w, c) => (numeric(c) ? (line[c] ?? '').padStart(w) : (line[c] ?? '').padEnd(w))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (numeric(c) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [cells(header), rule, ...body.map(cells)].join('\n');
}

export function markdownTable(rows: Row[]): string {
  const header = ['scenario', 'db', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'ratio to ceiling'];
  const body = rows.map((r) => [
    r.scenario,
    r.db,
    fixed(r.reqPerSec, 0),
    fixed(r.p50, 1),
    fixed(r.p99, 1),
    String(r.non2xx),
    String(r.errors),
    r.scenario === 'ceiling' ? '1.00' : fixed(r.ratio, 3),
  ]);
  return formatTable(header, body, 2);
}

/** Writes any JSON-able report, making its folder first. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

export async function writeReport(path: string, report: Report): Promise<void> {
  await writeJson(path, report);
}
