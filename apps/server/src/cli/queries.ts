import {
  ConfigError,
  QueryStatsUnavailable,
  loadConfig,
  topStatements,
  type TopStatement,
} from '@graminsta/platform';

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
 * `graminsta queries [--top N]`: the statements that took the most time on DATABASE_URL's
 * database, from pg_stat_statements (normalised: constants show as $1, never the values).
 */
export async function runQueries(
  env: Record<string, string | undefined>,
  top: number,
  print: (line: string) => void = (line) => console.log(line),
): Promise<void> {
  const config = loadConfig(env);
  if (!config.DATABASE_URL)
    throw new ConfigError('graminsta queries reads pg_stat_statements: set DATABASE_URL (PostgreSQL)');
  let rows: TopStatement[];
  try {
    rows = await topStatements(config.DATABASE_URL, top);
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
