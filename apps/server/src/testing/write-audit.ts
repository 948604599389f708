import pg from 'pg';
import { expect } from 'vitest';
import type { WorkloadReport } from '@graminsta/loadgen';

/** Reads that failed after the balancer's retries: the promise of stage 4 is that there are none. */
export function failedReads(report: WorkloadReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of ['feed', 'profile', 'photo', 'comments'] as const) {
    const stats = report.endpoints[name];
    if (stats.errors > 0 || stats.failed > 0) out[name] = stats.errors;
  }
  return out;
}

async function countsBy(client: pg.Client, sql: string): Promise<Map<string, number>> {
  const { rows } = await client.query<{ k: string; n: number }>(sql);
  return new Map(rows.map((r) => [r.k, Number(r.n)]));
}

/**
 * Every logged write either failed visibly or was applied exactly once. Comments and photos are
 * found in the database by the Idempotency-Key the driver wrote into their text: never twice,
 * and always when the driver was told they succeeded. Like counters match their rows.
 */
export async function expectWritesAppliedOnce(databaseUrl: string, report: WorkloadReport): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const captions = await countsBy(
      client,
      'select caption as k, count(*)::int as n from photos group by caption',
    );
    const bodies = await countsBy(client, 'select body as k, count(*)::int as n from comments group by body');
    let checked = 0;
    for (const w of report.writes) {
      const key = w.idempotencyKey;
      const found =
        w.endpoint === 'comment'
          ? (bodies.get(`load ${key}`) ?? 0)
          : w.endpoint === 'create-photo'
            ? (captions.get(`load ${key} #graminsta`) ?? 0)
            : null;
      if (found === null) continue;
      checked++;
      expect(found, `${w.endpoint} ${key} applied ${found} times`).toBeLessThanOrEqual(1);
      if (w.ok) expect(found, `${w.endpoint} ${key} acknowledged but not applied`).toBe(1);
    }
    const { rows } = await client.query(
      `select p.id from photos p where p.like_count <> (select count(*) from likes l where l.photo_id = p.id)
        or p.comment_count <> (select count(*) from comments c where c.photo_id = p.id)`,
    );
    expect(rows, 'counters that do not match their rows').toEqual([]);
    return checked;
  } finally {
    await client.end();
  }
}
