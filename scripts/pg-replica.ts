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
  makeClusterHome,
  removeCluster,
  startPostgres,
  startReplicaPair,
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
/** Set for `pair`: stops both and removes them unless kept. */
let closePair: ((keep: boolean) => Promise<void>) | undefined;

async function shutdown(code: number): Promise<never> {
  // A pair stops and removes itself; a lone replica is stopped and removed here.
  if (closePair) await closePair(values.keep);
  for (const s of servers.reverse()) await s.stop();
  if (values.keep)
    for (const c of clusters) console.log(`kept ${c.dir} (npm run pg:replica -- remove ${c.dir})`);
  else if (!closePair) for (const c of clusters) await removeCluster(c);
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
  if (command === 'pair') {
    const pair = await startReplicaPair({
      prefix: 'graminsta-pg-',
      primaryPort: values['primary-port'] ? Number(values['primary-port']) : undefined,
      replicaPort: values['replica-port'] ? Number(values['replica-port']) : undefined,
      applyDelayMs: delay,
    });
    closePair = (keep) => pair.close({ keep });
    clusters.push(pair.primary, pair.replica);
    console.log(`DATABASE_URL=${shown(pair.primary.url)}`);
    console.log(`DATABASE_REPLICA_URLS=${pair.replica.url}`);
    return runForeground();
  }
  const primaryUrl = values.primary;
  if (!primaryUrl) {
    console.error('replica needs --primary URL');
    process.exit(2);
  }
  const replica = await basebackupReplica({
    primaryUrl,
    dir: join(await makeClusterHome('graminsta-pg-'), 'replica'),
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
