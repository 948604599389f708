import {
  ConfigError,
  QueryStatsUnavailable,
  loadConfig,
  topStatements,
  type TopStatement,
} from '@graminsta/platform';
import { resolve } from 'node:path';
import { databaseUrls, readTopology } from '../doctor/collect.ts';

export const MAX_TOP = 100;
const QUERY_CHARS = 160;

/** `--top N` as given on the command line (10 when absent); ConfigError when it is not 1–100. */
export function parseTop(value: string | undefined): number {
  if (value === undefined) return 10;
  const top = Number(value);
  if (!/^\d{1,3}$/.test(value) || top < 1 || top > MAX_TOP)
    throw new ConfigError(`--top must be an integer from 1 to ${MAX_TOP}`);
  return top;
}

/** One line per statement: where the database's time went first. */
export function formatStatement(s: TopStatement): string {
  const query = s.query.replace(/\s+/g, ' ').trim();
  const shown = query.length > QUERY_CHARS ? `${query.slice(0, QUERY_CHARS - 1)}…` : query;
  return `${s.totalMs.toFixed(1).padStart(12)} ms  ${String(s.calls).padStart(9)} calls  ${s.meanMs.toFixed(3).padStart(10)} ms each  ${String(s.rows).padStart(9)} rows  ${shown}`;
}

/**
 * DATABASE_URL, or else the primary of the `graminsta up` running on DATA_DIR (its topology.json,
 * read as the doctor reads it: stage 6's own primary has a port only topology.json knows).
 */
async function databaseOf(env: Record<string, string | undefined>): Promise<string> {
  const configured = loadConfig(env).DATABASE_URL;
  if (configured) return configured;
  const topology = await readTopology(resolve(env.DATA_DIR ?? './data')).catch(() => null);
  const running = topology && databaseUrls(topology, env);
  if (running) return running.primary;
  throw new ConfigError(
    'graminsta queries reads pg_stat_statements: set DATABASE_URL (PostgreSQL), or run it beside `graminsta up --stage 2` or above (same DATA_DIR)',
  );
}

/**
 * `graminsta queries [--top N]`: the statements that took the most time on DATABASE_URL's
 * database (or the running stage's), from pg_stat_statements (normalised: constants show as $1,
 * never the values).
 */
export async function runQueries(
  env: Record<string, string | undefined>,
  top: number,
  print: (line: string) => void = (line) => console.log(line),
): Promise<void> {
  const url = await databaseOf(env);
  let rows: TopStatement[];
  try {
    rows = await topStatements(url, top);
  } catch (err) {
    if (err instanceof QueryStatsUnavailable) throw new ConfigError(err.message);
    throw err;
  }
  if (rows.length === 0) return print('No statements recorded yet.');
  print(
    `${'total'.padStart(15)}  ${'calls'.padStart(15)}  ${'mean'.padStart(18)}  ${'rows'.padStart(14)}  statement`,
  );
  for (const row of rows) print(formatStatement(row));
}
