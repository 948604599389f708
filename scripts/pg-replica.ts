// npm run pg:replica -- <pair|replica|remove> …: a real streaming replica on this machine.
//   pair    [--primary-port N] [--replica-port N] [--delay-ms N] [--keep]
//           a new primary and its replica, run in the foreground until Ctrl-C, then removed
//   replica --primary URL [--port N] [--delay-ms N] [--keep]
//           a replica of a running primary (its pg_hba must allow replication from 127.0.0.1)
//   remove  DIR…  removes cluster folders kept with --keep
// As root every PostgreSQL binary runs as the postgres user (PostgreSQL refuses root).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  basebackupReplica,
  freePort,
  initPrimaryCluster,
  makeClusterHome,
  removeCluster,
  startPostgres,
  type PgCluster,
  type RunningPostgres,
} from '@graminsta/topology';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    'primary-port': { type: 'string' },
    'replica-port': { type: 'string' },
    port: { type: 'string' },
    primary: { type: 'string' },
    'delay-ms': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const port = async (v: string | undefined) => (v ? Number(v) : freePort());
const delay = values['delay-ms'] ? Number(values['delay-ms']) : undefined;
const clusters: PgCluster[] = [];
const servers: RunningPostgres[] = [];

async function shutdown(code: number): Promise<never> {
  for (const s of servers.reverse()) await s.stop();
  if (!values.keep) for (const c of clusters) await removeCluster(c);
  else for (const c of clusters) console.log(`kept ${c.dir} (npm run pg:replica -- remove ${c.dir})`);
  process.exit(code);
}

// Strips a password from a URL before it is printed.
const shown = (url: string) => url.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@');

async function runForeground(): Promise<void> {
  for (const c of clusters) console.log(`cluster ${c.dir}: ${shown(c.url)}`);
  console.log('running; Ctrl-C stops and removes them');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

async function main(): Promise<void> {
  const command = positionals[0];
  if (command === 'remove') {
    for (const dir of positionals.slice(1)) await removeCluster({ dir });
    return;
  }
  if (command !== 'pair' && command !== 'replica') {
    console.error('usage: pg-replica <pair|replica|remove> (see the top of scripts/pg-replica.ts)');
    process.exit(2);
  }
  const home = await makeClusterHome('graminsta-pg-');
  let primaryUrl = values.primary;
  if (command === 'pair') {
    const primary = await initPrimaryCluster({
      dir: join(home, 'primary'),
      port: await port(values['primary-port']),
    });
    clusters.push(primary);
    servers.push(await startPostgres(primary));
    primaryUrl = primary.url;
  } else if (!primaryUrl) {
    console.error('replica needs --primary URL');
    process.exit(2);
  }
  const replica = await basebackupReplica({
    primaryUrl,
    dir: join(home, 'replica'),
    port: await port(values['replica-port'] ?? values.port),
    applyDelayMs: delay,
  });
  clusters.push(replica);
  servers.push(await startPostgres(replica));
  console.log(`DATABASE_URL=${shown(primaryUrl)}`);
  console.log(`DATABASE_REPLICA_URLS=${replica.url}`);
  await runForeground();
}

main().then(
  () => shutdown(0),
  (err: unknown) => {
    console.error((err as Error).message);
    return shutdown(1);
  },
);
