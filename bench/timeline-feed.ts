/**
 * Home feed page of a celebrity follower who also follows 200 other accounts, with materialised
 * timelines (TIMELINES=on: Redis + the hybrid page query) and without (the fan-out-on-read query).
 * Seeds a fresh PostgreSQL database with bench/seed.ts, adds the 200 follows, then times first
 * and second pages through FeedServiceImpl (SQL, presentation; no HTTP), counts statements and
 * reads each way's SQL time in the database from EXPLAIN ANALYZE.
 *
 *   npx tsx bench/timeline-feed.ts --users 10000 --pages 300
 */
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { FeedServiceImpl, TIMELINE_IDLE_SECONDS, TIMELINE_LENGTH } from '@graminsta/core';
import { RedisTimelineStore, openDatabase, openRedis, whenReady } from '@graminsta/platform';
import { CleanupStack, cleanUpOnSignal, makePostgresDatabase, makeTempDir } from './lib/resources.ts';
import { seedDatabase } from './seed.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    pages: { type: 'string', default: '300' },
    following: { type: 'string', default: '200' },
    'photos-per-user': { type: 'string', default: '0.4' },
    'pg-admin-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    /** Print both page statements' plans. */
    explain: { type: 'boolean', default: false },
    /** Skip the timed runs (with --explain: plans only). */
    'no-timing': { type: 'boolean', default: false },
  },
});
const pages = Number(values.pages);
const cleanup = new CleanupStack();
cleanUpOnSignal(cleanup);

function stats(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  return `mean ${mean.toFixed(2)} ms, p50 ${at(0.5).toFixed(2)}, p99 ${at(0.99).toFixed(2)}`;
}

try {
  const url = await makePostgresDatabase(values['pg-admin-url'], cleanup);
  const dataDir = await makeTempDir(cleanup);
  console.log(`seeding ${values.users} users`);
  const { dataset } = await seedDatabase({
    users: Number(values.users),
    dataDir,
    databaseUrl: url,
    photosPerUser: Number(values['photos-per-user']),
  });
  let queries = 0;
  const database = await openDatabase({ url, poolSize: 4, onQuery: () => void (queries += 1) });
  cleanup.push('close database', () => database.close());
  const db = database.db;
  const celebrity = dataset.users[0]!.id;
  const fans = new Set(dataset.follows.filter((f) => f.followeeId === celebrity).map((f) => f.followerId));
  const viewer = dataset.users.find((u) => fans.has(u.id))!.id;
  // 200 more accounts that post, followed by the viewer (counters as the follow path keeps them).
  await db.execute(sql`
    insert into follows (follower_id, followee_id)
    select ${viewer}, u.id from users u
    where u.id <> ${viewer} and u.id <> ${celebrity} and u.photo_count > 0
    order by u.photo_count desc limit ${Number(values.following)}
    on conflict do nothing`);
  await db.execute(
    sql`update users set following_count = (select count(*) from follows where follower_id = ${viewer}) where id = ${viewer}`,
  );
  await db.execute(
    sql`update users u set follower_count = (select count(*) from follows f where f.followee_id = u.id)`,
  );
  await db.execute(sql`analyze`);
  const [{ n: followed } = { n: 0 }] = (
    (await db.execute(
      sql`select count(*)::int as n from follows where follower_id = ${viewer}`,
    )) as unknown as {
      rows: Array<{ n: number }>;
    }
  ).rows;
  const [{ n: celebFollowers } = { n: 0 }] = (
    (await db.execute(sql`select follower_count as n from users where id = ${celebrity}`)) as unknown as {
      rows: Array<{ n: number }>;
    }
  ).rows;
  console.log(`viewer follows ${followed} accounts; the celebrity has ${celebFollowers} followers`);

  const redis = openRedis({ url: values['redis-url'], onError: () => {} });
  cleanup.push('close redis', async () => redis.disconnect());
  await whenReady(redis);
  const prefix = `bench:tl:${process.pid}:`;
  cleanup.push('drop bench keys', async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  });
  const store = new RedisTimelineStore({
    client: redis,
    prefix,
    maxLength: TIMELINE_LENGTH,
    idleSeconds: TIMELINE_IDLE_SECONDS,
  });
  const blobs = { publicUrl: (key: string) => `https://cdn.bench/${key}` };
  const outcomes: Record<string, number> = {};
  const feeds = {
    off: new FeedServiceImpl({ db, blobs }),
    on: new FeedServiceImpl({
      db,
      blobs,
      timelines: {
        store,
        celebrityFollowers: 1000,
        onOutcome: (o) => void (outcomes[o] = (outcomes[o] ?? 0) + 1),
      },
    }),
  };

  // A rebuild: what the first read after a drop (or an idle expiry) costs.
  const rebuilds: number[] = [];
  for (let i = 0; i < 20; i += 1) {
    await store.drop([viewer]);
    const t0 = performance.now();
    await feeds.on.home(viewer, { limit: 20 });
    rebuilds.push(performance.now() - t0);
  }
  console.log(`rebuild + first page: ${stats(rebuilds)}`);

  for (const mode of values['no-timing'] ? [] : (['off', 'on', 'off', 'on'] as const)) {
    const feed = feeds[mode];
    const first = await feed.home(viewer, { limit: 20 });
    for (let i = 0; i < 30; i += 1) await feed.home(viewer, { limit: 20 });
    const firstMs: number[] = [];
    const secondMs: number[] = [];
    queries = 0;
    for (let i = 0; i < pages; i += 1) {
      let t0 = performance.now();
      await feed.home(viewer, { limit: 20 });
      firstMs.push(performance.now() - t0);
      t0 = performance.now();
      await feed.home(viewer, { limit: 20, cursor: first.nextCursor! });
      secondMs.push(performance.now() - t0);
    }
    console.log(
      `TIMELINES=${mode}: first page ${stats(firstMs)}; second page ${stats(secondMs)}; ${(queries / (2 * pages)).toFixed(2)} statements/page`,
    );
  }
  console.log('timeline outcomes', outcomes);

  // Time in the database of each way's page statement (EXPLAIN ANALYZE, best of 5).
  const ids = (await store.read(viewer, undefined, 40)).ids;
  const explain = async (text: string, params: unknown[]) => {
    let best = Infinity;
    for (let i = 0; i < 5; i += 1) {
      const { rows } = await database.pool!.query<{ 'QUERY PLAN': string }>(
        `explain analyze ${text}`,
        params,
      );
      if (values.explain && i === 0) console.log(rows.map((r) => r['QUERY PLAN']).join('\n'));
      const line = rows.map((r) => r['QUERY PLAN']).find((l) => l.startsWith('Execution Time'))!;
      best = Math.min(best, Number(/([0-9.]+) ms/.exec(line)![1]));
    }
    return best;
  };
  const { FeedRepository } = await import('../packages/core/src/feed/feed.repository.ts');
  const { TimelineRepository, NO_CURSOR } = await import('../packages/core/src/feed/timeline.repository.ts');
  const off = new FeedRepository(db).homeQuery(viewer, undefined, 21).toSQL();
  const on = new TimelineRepository(db).pageQuery(viewer, `{${ids.join(',')}}`, NO_CURSOR, 21, 900).toSQL();
  console.log(
    `database time of the page statement: off ${await explain(off.sql, off.params)} ms, on ${await explain(on.sql, on.params)} ms`,
  );
} finally {
  await cleanup.unwindTo();
}
