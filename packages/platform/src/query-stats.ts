import pg from 'pg';

/** One normalised statement from pg_stat_statements (its constants are already `$n` there). */
export interface TopStatement {
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
}

/** pg_stat_statements cannot be read: its library is not preloaded, or the extension is missing. */
export class QueryStatsUnavailable extends Error {}

const NOT_LOADED =
  'pg_stat_statements is not loaded: start PostgreSQL with -c shared_preload_libraries=pg_stat_statements ' +
  '(graminsta up does for its own primary at stage 6), then run this again';

/**
 * The `top` statements by total execution time since the statistics were last reset, on the
 * database at `url`. Creates the extension when it is missing and this role may.
 */
export async function topStatements(url: string, top: number): Promise<TopStatement[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {
    // The connection died mid-read: the query below fails and says so.
  });
  await client.connect();
  try {
    await ensureExtension(client);
    const { rows } = await client.query<{
      query: string;
      calls: string;
      total_ms: number;
      mean_ms: number;
      rows: string;
    }>(
      `select query, calls, total_exec_time as total_ms, mean_exec_time as mean_ms, rows
         from pg_stat_statements
        where dbid = (select oid from pg_database where datname = current_database())
        order by total_exec_time desc
        limit $1`,
      [top],
    );
    return rows.map((r) => ({
      query: r.query,
      calls: Number(r.calls),
      totalMs: r.total_ms,
      meanMs: r.mean_ms,
      rows: Number(r.rows),
    }));
  } catch (err) {
    // 55000 (object_not_in_prerequisite_state): the view exists, the library is not loaded.
    if ((err as { code?: string }).code === '55000') throw new QueryStatsUnavailable(NOT_LOADED);
    throw err;
  } finally {
    await client.end();
  }
}

async function ensureExtension(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ preloaded: boolean }>(
    `select 'pg_stat_statements' = any(string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) as preloaded`,
  );
  if (!rows[0]?.preloaded) throw new QueryStatsUnavailable(NOT_LOADED);
  try {
    await client.query('create extension if not exists pg_stat_statements');
  } catch (err) {
    throw new QueryStatsUnavailable(
      `pg_stat_statements is loaded but its extension could not be created here (${(err as Error).message}): ` +
        'a superuser can run `create extension pg_stat_statements` in this database',
    );
  }
}
