import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.ts';

// A PostgreSQL cluster of our own (a primary, or a streaming standby of one), for tests, scripts
// and `graminsta up --stage 6`. PostgreSQL refuses to run as root: as root, every binary runs as
// the `postgres` user and every folder it writes is owned by it.

const run = promisify(execFile);

export interface PgCluster {
  dir: string;
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
}

const isRoot = () => process.getuid?.() === 0;

/** The newest installed PostgreSQL's bin folder (PG_BIN_DIR wins), or a clear error. */
export function postgresBinDir(): string {
  const fromEnv = process.env.PG_BIN_DIR;
  if (fromEnv && existsSync(join(fromEnv, 'postgres'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error(
      'no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (or PG_BIN_DIR): apt-get install postgresql',
    );
  return join(root, versions[0]!, 'bin');
}

/** `binary args…`, as the postgres user when this process is root (one-shot tools: runuser). */
async function runTool(binary: string, args: string[]): Promise<void> {
  const file = join(postgresBinDir(), binary);
  const [command, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  try {
    await run(command, argv, { timeout: 300_000, maxBuffer: 8 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${binary} failed: ${redact(e.stderr || e.message)}`, { cause: err });
  }
}

/** Hides a password in any URL of `text` (tool errors may echo a connection string). */
function redact(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]+):[^@\s]*@/g, '$1:***@');
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
    run('id', ['-u', 'postgres']),
    run('id', ['-g', 'postgres']),
  ]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

/**
 * A fresh folder for clusters (and their sockets): mkdtemp under the temp folder, owned by the
 * postgres user when root, mode 0700.
 */
export async function makeClusterHome(prefix: string): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), prefix));
  await chmod(home, 0o700);
  if (isRoot()) {
    const { uid, gid } = await postgresIds();
    await chown(home, uid, gid);
  }
  return home;
}

const urlOf = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;

// The socket lives in the cluster's home (the parent of its folder), not /var/run/postgresql.
const socketDir = (dir: string) => dirname(dir);

/** Settings every cluster of ours gets: loopback only, its own port and socket folder. */
function localSettings(c: { dir: string; port: number }): string {
  return [
    '',
    '# graminsta pg-cluster',
    `port = ${c.port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${socketDir(c.dir)}'`,
    '',
  ].join('\n');
}

/** initdb a new primary in `dir` (wal_level replica, WAL senders, trust on loopback incl. replication). */
export async function initPrimaryCluster(opts: { dir: string; port: number }): Promise<PgCluster> {
  await runTool('initdb', [
    '-D',
    opts.dir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-instructions',
  ]);
  await appendFile(
    join(opts.dir, 'postgresql.conf'),
    localSettings(opts) +
      [
        'wal_level = replica',
        'max_wal_senders = 10',
        'max_replication_slots = 10',
        // Keeps WAL for a standby that falls behind for a while (a stopped replica catches up).
        "wal_keep_size = '256MB'",
        'hot_standby = on',
        // Long replica reads are not cancelled by the primary's vacuum.
        'hot_standby_feedback = on',
        'max_connections = 200',
        '',
      ].join('\n'),
  );
  // Trust on loopback only, replication included: these clusters listen on 127.0.0.1 alone.
  await writeFile(
    join(opts.dir, 'pg_hba.conf'),
    [
      'local all all trust',
      'host all all 127.0.0.1/32 trust',
      'local replication all trust',
      'host replication all 127.0.0.1/32 trust',
      '',
    ].join('\n'),
  );
  return { dir: opts.dir, port: opts.port, url: urlOf(opts.port) };
}

/**
 * pg_basebackup -R of the running `primaryUrl` into `dir`: a streaming standby (read-only, hot).
 * `applyDelayMs` sets recovery_min_apply_delay (a replica delayed on purpose).
 */
export async function basebackupReplica(opts: {
  primaryUrl: string;
  dir: string;
  port: number;
  applyDelayMs?: number;
}): Promise<PgCluster> {
  await runTool('pg_basebackup', ['-d', opts.primaryUrl, '-D', opts.dir, '-R', '-X', 'stream', '-c', 'fast']);
  // postgresql.auto.conf is read last (pg_basebackup -R put primary_conninfo there): these win.
  await appendFile(
    join(opts.dir, 'postgresql.auto.conf'),
    localSettings(opts) +
      (opts.applyDelayMs ? `recovery_min_apply_delay = '${Math.round(opts.applyDelayMs)}ms'\n` : ''),
  );
  return { dir: opts.dir, port: opts.port, url: urlOf(opts.port) };
}

/**
 * The command that runs the server in the foreground, for a supervisor to spawn and signal
 * (SIGTERM smart, SIGINT fast, SIGQUIT immediate shutdown). As root it is wrapped in `setpriv`
 * rather than `runuser`: setpriv execs postgres in place, so a signal sent to the child reaches
 * the postmaster, while runuser stays as a parent that swallows SIGQUIT and turns SIGTERM into
 * SIGTERM-then-SIGKILL.
 */
export function postgresServerCommand(c: { dir: string; port: number }): { command: string; args: string[] } {
  const args = [
    '-D',
    c.dir,
    '-p',
    String(c.port),
    '-k',
    socketDir(c.dir),
    '-c',
    'listen_addresses=127.0.0.1',
  ];
  const binary = join(postgresBinDir(), 'postgres');
  if (!isRoot()) return { command: binary, args };
  return {
    command: 'setpriv',
    args: ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', binary, ...args],
  };
}

/** Resolves once the server at `url` answers a query (polling every 100 ms, at most `timeoutMs`). */
export async function waitForPostgres(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => {
      // A server shutting down mid-poll: the query below fails and the loop polls again.
    });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (err) {
      last = (err as Error).message;
      await client.end().catch(() => undefined);
    }
    if (Date.now() > deadline)
      throw new Error(`PostgreSQL not ready in ${timeoutMs / 1000} s: ${redact(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface RunningPostgres {
  /** The child's pid (the postmaster's: setpriv execs in place). */
  pid: number;
  /** Fast shutdown (SIGINT: clients are disconnected), SIGKILL after `graceMs`; resolves once it exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  /** Immediate shutdown (SIGQUIT), as a crash would: does not wait. */
  kill(): void;
  /** The exit code (null after a signal). */
  exited: Promise<number | null>;
  /** Its last output lines (for error messages). */
  output(): string;
}

/** Starts the cluster's server as a child of this process and resolves once it answers queries. */
export async function startPostgres(c: PgCluster, timeoutMs = 120_000): Promise<RunningPostgres> {
  const { command, args } = postgresServerCommand(c);
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString('utf8')).slice(-64 * 1024);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => resolve(code));
    proc.once('error', (err) => {
      out += `\n${err.message}`;
      if (proc.pid === undefined) resolve(null);
    });
  });
  const running: RunningPostgres = {
    pid: proc.pid ?? -1,
    exited,
    output: () => out,
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGQUIT');
    },
    async stop(signal = 'SIGINT', graceMs = 30_000) {
      if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  const gone = exited.then((code) => {
    throw new Error(`postgres on port ${c.port} exited (${code}) before it was ready:\n${out}`);
  });
  try {
    await Promise.race([waitForPostgres(c.url, timeoutMs), gone]);
  } catch (err) {
    await running.stop('SIGQUIT', 5_000);
    throw err;
  } finally {
    gone.catch(() => undefined);
  }
  return running;
}

/**
 * Removes the cluster's folder; when its parent is a cluster home of ours (made by
 * makeClusterHome, now empty), that too.
 */
export async function removeCluster(c: { dir: string }): Promise<void> {
  await rm(c.dir, { recursive: true, force: true });
  const home = dirname(c.dir);
  if (home.startsWith(tmpdir()) && basename(home) !== basename(tmpdir())) {
    const left = existsSync(home) ? readdirSync(home).filter((f) => !f.startsWith('.s.PGSQL.')) : [];
    if (left.length === 0) await rm(home, { recursive: true, force: true });
  }
}

/** A primary of our own and a streaming replica of it, both running. */
export interface ReplicaPair {
  primary: PgCluster;
  replica: PgCluster;
  /** The running servers; a test may stop the replica and put a new one in `servers.replica`. */
  servers: { primary: RunningPostgres; replica: RunningPostgres };
  /** Stops both (replica first) and, unless kept, removes their folders. */
  close(opts?: { keep?: boolean }): Promise<void>;
}

/**
 * Makes and starts a primary (`initPrimaryCluster`) and then a streaming replica of it
 * (`basebackupReplica`), in a fresh cluster home. `prepare` runs against the primary before the
 * copy (a seed: the replica then starts level with it). Whatever was made is removed again if a
 * step fails.
 */
export async function startReplicaPair(opts: {
  prefix: string;
  applyDelayMs?: number;
  primaryPort?: number;
  replicaPort?: number;
  prepare?: (primary: PgCluster) => Promise<void>;
}): Promise<ReplicaPair> {
  const home = await makeClusterHome(opts.prefix);
  const made: PgCluster[] = [];
  const running: RunningPostgres[] = [];
  const close = async (keep = false) => {
    for (const server of running.reverse()) await server.stop('SIGINT', 10_000);
    if (!keep) for (const cluster of made.reverse()) await removeCluster(cluster);
  };
  try {
    const primary = await initPrimaryCluster({
      dir: join(home, 'primary'),
      port: opts.primaryPort ?? (await freePort()),
    });
    made.push(primary);
    running.push(await startPostgres(primary));
    await opts.prepare?.(primary);
    const replica = await basebackupReplica({
      primaryUrl: primary.url,
      dir: join(home, 'replica'),
      port: opts.replicaPort ?? (await freePort()),
      applyDelayMs: opts.applyDelayMs,
    });
    made.push(replica);
    running.push(await startPostgres(replica));
    const servers = { primary: running[0]!, replica: running[1]! };
    return {
      primary,
      replica,
      servers,
      async close(closeOpts) {
        // The replica may have been restarted by its user: stop the current one.
        running[1] = servers.replica;
        await close(closeOpts?.keep);
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
