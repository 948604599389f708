import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPostgres, startReplicaPair, type PgCluster, type ReplicaPair } from '@graminsta/topology';
import { openDatabase, type Database } from '../db.ts';
import { isReplicaRead } from './classify.ts';
import { ReadScope, onPrimary, runInReadScope } from './context.ts';
import { parseLsn, replicaLagMs } from './router.ts';

const usingPostgres = () => process.env.TEST_DATABASE === 'postgres';

describe('which SQL a replica may answer', () => {
  it('takes plain SELECTs and sends writes, locks and effects to the primary', () => {
    for (const read of [
      'select 1',
      '  /* c */ -- x\n SELECT "users"."id", "users"."deleted_at", "users"."updated_at" from "users" where "id" = $1',
      'with f as (select 1) select * from f',
      '(select 1) union (select 2)',
    ])
      expect(isReplicaRead(read), read).toBe(true);
    for (const other of [
      'insert into t values (1)',
      'update t set v = 1',
      'delete from t',
      'with d as (delete from t returning *) select * from d',
      'select * from t for update',
      'select * from t for no key update skip locked',
      'select * from t for share',
      'select pg_advisory_xact_lock(1)',
      'select pg_try_advisory_lock(1)',
      "select nextval('s')",
      "select set_config('a.b', 'c', false)",
      "select pg_notify('c', 'x')",
      'select * into copy_of_t from t',
      'begin',
      'set statement_timeout = 0',
    ])
      expect(isReplicaRead(other), other).toBe(false);
  });
});

describe('replica lag from the primary position samples', () => {
  const history = [
    { at: 1_000, lsn: 100n },
    { at: 1_500, lsn: 200n },
    { at: 2_000, lsn: 300n },
  ];
  it('is 0 when caught up (an idle system), else the time since the primary moved past the replica', () => {
    expect(replicaLagMs(history, 300n, 300n, 9_000)).toBe(0);
    expect(replicaLagMs(history, 200n, 300n, 5_000)).toBe(3_000);
    expect(replicaLagMs(history, 150n, 300n, 5_000)).toBe(3_500);
    expect(replicaLagMs(history, 50n, 300n, 5_000)).toBe(4_000);
    expect(replicaLagMs(history.slice(2), 50n, 300n, 5_000)).toBe(3_000);
    expect(replicaLagMs([], 50n, 300n, 5_000)).toBe(Infinity);
  });
  it('reads pg_lsn text', () => {
    expect(parseLsn('0/3000060')).toBe(0x3000060n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
  });
});

/** Runs `fn` as a signed-out request would: reads may go to a replica. */
const inRequest = <T>(fn: () => Promise<T>, required: bigint | null = null) =>
  runInReadScope(new ReadScope(async () => required), fn);

// Real clusters of our own: run once, in the PostgreSQL pass.
describe.skipIf(!usingPostgres())('the replica router on a real streaming replica', () => {
  let pair: ReplicaPair;
  let primary: PgCluster;
  let replica: PgCluster;
  let database: Database;
  const reads = new Map<string, number>();
  const count = (key: string) => reads.get(key) ?? 0;

  beforeAll(async () => {
    pair = await startReplicaPair({ prefix: 'graminsta-router-' });
    ({ primary, replica } = pair);
    database = await openDatabase({
      url: primary.url,
      replicaUrls: [replica.url],
      replicaMaxLagMs: 30_000,
      poolSize: 20,
      onRead: (target, reason) => reads.set(`${target}/${reason}`, count(`${target}/${reason}`) + 1),
    });
    await database.db.execute(sql`create table t (id int primary key, v text)`);
    await database.db.execute(sql`insert into t values (1, 'one')`);
    // The table is on the replica once its poll shows it caught up with the primary.
    const target = await database.replicas!.currentPosition();
    await vi.waitFor(
      async () => {
        await database.replicas!.poll();
        expect(database.replicas!.state()[0]!.replayPosition >= target).toBe(true);
      },
      { timeout: 60_000, interval: 100 },
    );
  }, 180_000);

  afterAll(async () => {
    await database?.close();
    await pair?.close();
  }, 60_000);

  const portOf = async (query: ReturnType<typeof sql>) => {
    const res = (await database.db.execute(query)) as unknown as { rows: Array<{ port: number }> };
    return res.rows[0]!.port;
  };

  it('sends plain reads to the replica and the rest to the primary, by where they ran', async () => {
    await inRequest(async () => {
      expect(await portOf(sql`select inet_server_port() as port`)).toBe(replica.port);
      expect(await portOf(sql`select inet_server_port() as port from t where id = 1`)).toBe(replica.port);
      expect(await portOf(sql`select inet_server_port() as port from t where id = 1 for update`)).toBe(
        primary.port,
      );
      expect(await portOf(sql`select inet_server_port() as port, pg_advisory_xact_lock(42)`)).toBe(
        primary.port,
      );
      expect(await portOf(sql`insert into t values (2, 'two') returning inet_server_port() as port`)).toBe(
        primary.port,
      );
      const inTx = await database.db.transaction(async (tx) => {
        const res = (await tx.execute(sql`select inet_server_port() as port`)) as unknown as {
          rows: Array<{ port: number }>;
        };
        return res.rows[0]!.port;
      });
      expect(inTx).toBe(primary.port);
      expect(await onPrimary(() => portOf(sql`select inet_server_port() as port`))).toBe(primary.port);
    });
    // Outside a request (a job, startup): the primary.
    expect(await portOf(sql`select inet_server_port() as port`)).toBe(primary.port);
    expect(count('replica/replica')).toBe(2);
    expect(count('primary/pinned')).toBe(1);
    expect(count('primary/transaction')).toBe(1);
    expect(count('primary/background')).toBeGreaterThanOrEqual(1);
  });

  it('serves a reader from the primary until a replica has replayed their write', async () => {
    const before = count('primary/own_write');
    const ahead = (await database.replicas!.currentPosition()) + 1_000_000_000n;
    expect(await inRequest(() => portOf(sql`select inet_server_port() as port`), ahead)).toBe(primary.port);
    expect(count('primary/own_write')).toBe(before + 1);
    const reached = database.replicas!.state()[0]!.replayPosition;
    expect(await inRequest(() => portOf(sql`select inet_server_port() as port`), reached)).toBe(replica.port);
  });

  it('loses no read when the replica stops under load, and reads return to it when it is back', async () => {
    const total = 2_000;
    const concurrency = 16;
    let done = 0;
    let failed = 0;
    let stopped: Promise<unknown> | undefined;
    const server = pair.servers.replica;
    const worker = async () => {
      while (done + failed < total) {
        try {
          await inRequest(async () => {
            await database.db.execute(sql`select v from t where id = 1`);
          });
          done++;
        } catch {
          failed++;
        }
        // Mid-way, an immediate shutdown (SIGQUIT), as a crash would.
        if (!stopped && done >= total / 4) {
          server.kill();
          stopped = server.exited;
        }
      }
    };
    const replicaBefore = count('replica/replica');
    await Promise.all(Array.from({ length: concurrency }, worker));
    await stopped;
    expect(failed).toBe(0);
    expect(done).toBeGreaterThanOrEqual(total);
    expect(count('replica/replica')).toBeGreaterThan(replicaBefore);
    expect(count('primary/down') + count('primary/fallback')).toBeGreaterThan(0);
    await vi.waitFor(() => expect(database.replicas!.state()[0]!.up).toBe(false), { timeout: 10_000 });
    console.log(
      `replica stopped under load: ${done} reads ok, ${failed} failed; replica ${count('replica/replica') - replicaBefore}, ` +
        `fallback ${count('primary/fallback')}, down ${count('primary/down')}`,
    );

    pair.servers.replica = await startPostgres(replica);
    await vi.waitFor(() => expect(database.replicas!.state()[0]!.up).toBe(true), {
      timeout: 60_000,
      interval: 100,
    });
    const back = count('replica/replica');
    for (let i = 0; i < 50; i++)
      await inRequest(async () => {
        await database.db.execute(sql`select v from t where id = 1`);
      });
    expect(count('replica/replica')).toBe(back + 50);
  }, 180_000);
});
