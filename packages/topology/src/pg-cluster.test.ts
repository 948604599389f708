import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  basebackupReplica,
  initPrimaryCluster,
  makeClusterHome,
  postgresServerCommand,
  removeCluster,
  startPostgres,
  type PgCluster,
  type RunningPostgres,
} from './pg-cluster.ts';
import { freePort } from './ports.ts';

const usingPostgres = () => process.env.TEST_DATABASE === 'postgres';

async function queryOne<T>(url: string, text: string, values: unknown[] = []): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(text, values)).rows[0] as T;
  } finally {
    await client.end();
  }
}

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Pids whose command line names `text` (a cluster's backends name no folder, the postmaster does). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((f) => /^\d+$/.test(f))
    .filter((f) => {
      try {
        return readFileSync(`/proc/${f}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

// Two real clusters: run once, in the PostgreSQL pass.
describe.skipIf(!usingPostgres())('a primary and its streaming replica', () => {
  let home = '';
  const clusters: PgCluster[] = [];
  const servers: RunningPostgres[] = [];
  afterAll(async () => {
    for (const s of servers.reverse()) await s.stop('SIGQUIT', 5_000);
    for (const c of clusters) await removeCluster(c);
  });

  it('replicates a write, then stops and leaves no folder or process', async () => {
    home = await makeClusterHome('graminsta-pgc-');
    const primary = await initPrimaryCluster({ dir: join(home, 'primary'), port: await freePort() });
    clusters.push(primary);
    const p = await startPostgres(primary);
    servers.push(p);
    const replica = await basebackupReplica({
      primaryUrl: primary.url,
      dir: join(home, 'replica'),
      port: await freePort(),
    });
    clusters.push(replica);
    const r = await startPostgres(replica);
    servers.push(r);

    expect(await queryOne(primary.url, 'select pg_is_in_recovery() as r')).toEqual({ r: false });
    expect(await queryOne(replica.url, 'select pg_is_in_recovery() as r')).toEqual({ r: true });
    await queryOne(primary.url, 'create table t (v text)');
    await queryOne(primary.url, 'insert into t values ($1)', ['seen on the replica']);
    let rows = 0;
    for (let i = 0; i < 600 && rows === 0; i++) {
      const found = await queryOne<{ n: string }>(replica.url, 'select count(*)::int as n from t').catch(
        () => ({ n: 0 }),
      );
      rows = Number(found.n);
      if (rows === 0) await new Promise((res) => setTimeout(res, 50));
    }
    expect(rows).toBe(1);
    // A standby refuses writes.
    await expect(queryOne(replica.url, 'insert into t values ($1)', ['no'])).rejects.toMatchObject({
      code: '25006',
    });

    await r.stop();
    await p.stop();
    servers.length = 0;
    expect(await r.exited).toBe(0);
    expect(await p.exited).toBe(0);
    for (const c of clusters) await removeCluster(c);
    expect(existsSync(replica.dir)).toBe(false);
    expect(existsSync(primary.dir)).toBe(false);
    expect(existsSync(home)).toBe(false);
    clusters.length = 0;
    expect([p.pid, r.pid].filter(processAlive)).toEqual([]);
    expect(processesMentioning(home)).toEqual([]);
  });

  it('runs the server as the postgres user when root, with its socket in the cluster home', () => {
    const { command, args } = postgresServerCommand({ dir: '/tmp/h/primary', port: 5999 });
    expect(args.slice(args.indexOf('-k'), args.indexOf('-k') + 2)).toEqual(['-k', '/tmp/h']);
    if (process.getuid?.() === 0) expect(command).toBe('setpriv');
  });
});
