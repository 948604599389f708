import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@graminsta/platform';
import { pgUrlFor, usingPostgres } from '@graminsta/core/testing/test-db';
import {
  freePort,
  initPrimaryCluster,
  makeClusterHome,
  removeCluster,
  startPostgres,
  type PgCluster,
  type RunningPostgres,
} from '@graminsta/topology';
import { formatStatement, parseTop, runQueries } from './queries.ts';

describe('graminsta queries: parsing --top', () => {
  it('takes 1 to 100, 10 by default, and refuses anything else', () => {
    expect(parseTop(undefined)).toBe(10);
    expect(parseTop('1')).toBe(1);
    expect(parseTop('100')).toBe(100);
    for (const bad of [
      '0',
      '101',
      '-1',
      '1.5',
      '1e2',
      ' 5',
      '5 ',
      '',
      'ten',
      '\u0000',
      '9'.repeat(400),
      '０',
    ])
      expect(() => parseTop(bad), bad).toThrow(ConfigError);
  });

  it('prints one line per statement, its whitespace folded and its length bounded', () => {
    const line = formatStatement({
      query: `select *\n  from users\twhere id = $1 ${'and true '.repeat(50)}`,
      calls: 3,
      totalMs: 12.5,
      meanMs: 4.1667,
      rows: 3,
    });
    expect(line).not.toContain('\n');
    expect(line).toContain('select * from users where id = $1');
    expect(line.length).toBeLessThan(260);
  });

  it('needs PostgreSQL: DATABASE_URL, or a running stage of 2 or above', async () => {
    await expect(runQueries({ DATA_DIR: '/nonexistent' }, 5, () => {})).rejects.toThrow(/DATABASE_URL/);
    const dataDir = await mkdtemp(join(tmpdir(), 'graminsta-queries-stage1-'));
    try {
      await writeFile(join(dataDir, 'topology.json'), JSON.stringify({ stage: 1, processes: [] }));
      await expect(runQueries({ DATA_DIR: dataDir }, 5, () => {})).rejects.toThrow(/DATABASE_URL/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!usingPostgres())('graminsta queries on PostgreSQL', () => {
  it('says how to load pg_stat_statements when the server has not preloaded it', async () => {
    // The shared test server runs without shared_preload_libraries.
    const url = pgUrlFor('postgres');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const preloaded = (await client.query<{ s: string }>('show shared_preload_libraries')).rows[0]?.s;
    await client.end();
    if (preloaded?.includes('pg_stat_statements')) return;
    const err = await runQueries({ DATABASE_URL: url }, 5, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/shared_preload_libraries=pg_stat_statements/);
  });

  describe('on a server with pg_stat_statements preloaded', () => {
    let cluster: PgCluster;
    let server: RunningPostgres;
    beforeAll(async () => {
      const home = await makeClusterHome('graminsta-queries-');
      cluster = await initPrimaryCluster({ dir: join(home, 'primary'), port: await freePort() });
      await appendFile(
        join(cluster.dir, 'postgresql.conf'),
        "shared_preload_libraries = 'pg_stat_statements'\n",
      );
      server = await startPostgres(cluster);
    }, 180_000);
    afterAll(async () => {
      await server?.stop();
      if (cluster) await removeCluster(cluster);
    });

    it('creates the extension and lists the statements that took the most time, without their values', async () => {
      const client = new pg.Client({ connectionString: cluster.url });
      await client.connect();
      try {
        await client.query('create extension if not exists pg_stat_statements');
        await client.query('create table probe (id int, secret text)');
        for (let i = 0; i < 20; i++)
          await client.query('insert into probe values ($1, $2)', [i, 'do-not-print-me']);
        await client.query("select count(*) from probe where secret = 'literal-not-printed'");
        await client.query('select pg_sleep(0.2)');
      } finally {
        await client.end();
      }
      const lines: string[] = [];
      await runQueries({ DATABASE_URL: cluster.url }, 50, (l) => lines.push(l));
      const text = lines.join('\n');
      expect(lines[0]).toMatch(/total.*calls.*mean.*rows.*statement/);
      expect(text).toMatch(/ 20 calls .*insert into probe values \(\$1, \$2\)/);
      expect(text).toContain('select pg_sleep($1)');
      expect(text).not.toContain('do-not-print-me');
      expect(text).not.toContain('literal-not-printed');
      // --top bounds the list.
      const two: string[] = [];
      await runQueries({ DATABASE_URL: cluster.url }, 2, (l) => two.push(l));
      expect(two).toHaveLength(3);
    });

    it('with no DATABASE_URL, reads the primary of the stage running on DATA_DIR (topology.json)', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'graminsta-queries-up-'));
      try {
        const topology = { stage: 6, processes: [], postgres: { primaryUrl: cluster.url, replicaUrls: [] } };
        await writeFile(join(dataDir, 'topology.json'), JSON.stringify(topology));
        const lines: string[] = [];
        await runQueries({ DATA_DIR: dataDir }, 50, (l) => lines.push(l));
        expect(lines.join('\n')).toMatch(/ 20 calls .*insert into probe values \(\$1, \$2\)/);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  });
});
