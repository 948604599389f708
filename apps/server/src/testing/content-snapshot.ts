import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Tables a refused request may change: counting refusals is what rate-limit counters are for. */
export const MAY_CHANGE_ON_REFUSAL = new Set(['table rate_limits']);

/** A snapshot without the tables a refusal may legitimately change. */
export const withoutRefusalCounters = (s: Record<string, string>) =>
  Object.fromEntries(Object.entries(s).filter(([k]) => !MAY_CHANGE_ON_REFUSAL.has(k)));

export type RunQuery = (sql: string) => Promise<{ rows: Record<string, unknown>[] }>;

/**
 * What a database and a blob folder hold, as one checksum per table and one hash per stored
 * file: "nothing changed" is an equal snapshot, so an UPDATE shows, not only an INSERT.
 */
export async function contentSnapshot(query: RunQuery, blobDir: string): Promise<Record<string, string>> {
  const snapshot: Record<string, string> = {};
  const tables = await query(`select tablename from pg_tables where schemaname = 'public' order by 1`);
  for (const { tablename } of tables.rows) {
    const name = String(tablename);
    // Rows as text, in a stable order: the table's content, whatever its physical order.
    const result = await query(
      `select count(*)::int as n, md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as sum
         from "${name}" t`,
    );
    const row = result.rows[0] ?? {};
    snapshot[`table ${name}`] = `${String(row.n)} rows, md5 ${String(row.sum)}`;
  }
  for (const file of await storedFiles(blobDir, '')) {
    const bytes = await readFile(join(blobDir, file)).catch(ifGone(null));
    // A temporary file removed between listing and reading was never stored content.
    if (bytes) snapshot[`file ${file}`] = createHash('sha256').update(bytes).digest('hex');
  }
  return snapshot;
}

const ifGone =
  <T>(value: T) =>
  (err: NodeJS.ErrnoException): T => {
    if (err.code === 'ENOENT') return value;
    throw err;
  };

/** Every file under `dir`, walked by hand: a recursive readdir fails whole when a folder vanishes mid-walk. */
async function storedFiles(dir: string, sub: string): Promise<string[]> {
  const entries = await readdir(join(dir, sub), { withFileTypes: true }).catch(ifGone([]));
  const files: string[] = [];
  for (const e of entries) {
    const path = sub ? `${sub}/${e.name}` : e.name;
    if (e.isDirectory()) files.push(...(await storedFiles(dir, path)));
    else if (e.isFile()) files.push(path);
  }
  return files.sort();
}
