import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { startChild, type Child } from './child.ts';

/** The redis-server binary: REDIS_SERVER_BIN, or Debian's (scripts/install-system-deps.sh installs it). */
export function findRedisServer(): string | undefined {
  return [process.env.REDIS_SERVER_BIN, '/usr/bin/redis-server', '/usr/local/bin/redis-server'].find(
    (p) => p && existsSync(p),
  );
}

export function redisServerBinary(): string {
  const found = findRedisServer();
  if (!found)
    throw new Error(
      'redis-server is not installed (or set REDIS_SERVER_BIN): run scripts/install-system-deps.sh',
    );
  return found;
}

export interface RedisServerOptions {
  host: string;
  port: number;
  /** Its working folder (nothing is written there with persistence off, but Redis wants one). */
  dir: string;
  /** Memory bound; past it the least recently used keys go, as a cache's should. */
  maxMemory?: string;
  /**
   * Keep data across restarts in an append-only file in `dir` (fsync every second): stage 6, where
   * BullMQ's jobs live in this Redis. Eviction then takes only keys with an expiry (the cache's
   * and timelines' all have one), never a job.
   */
  appendOnly?: boolean;
  logLevel?: 'debug' | 'verbose' | 'notice' | 'warning';
}

/**
 * The arguments of a loopback cache Redis: no persistence (a cache and timelines are rebuilt from
 * the database, so a restart loses nothing that matters), bounded memory with LRU eviction, the
 * foreground, logs on stdout.
 */
export function redisServerArgs(o: RedisServerOptions): string[] {
  return [
    '--bind',
    o.host,
    '--port',
    String(o.port),
    '--dir',
    o.dir,
    '--save',
    '',
    '--appendonly',
    o.appendOnly ? 'yes' : 'no',
    ...(o.appendOnly ? ['--appendfsync', 'everysec'] : []),
    '--daemonize',
    'no',
    '--protected-mode',
    'yes',
    '--maxmemory',
    o.maxMemory ?? '256mb',
    '--maxmemory-policy',
    o.appendOnly ? 'volatile-lru' : 'allkeys-lru',
    '--loglevel',
    o.logLevel ?? 'warning',
  ];
}

/** Sends PING once and resolves true on `+PONG` (false on anything else, a refusal or `waitMs`). */
export function pingRedis(host: string, port: number, waitMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    let data = '';
    const socket = connect(port, host);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('error', () => done(false));
    socket.on('close', () => done(data.startsWith('+PONG')));
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      if (data.includes('\r\n')) done(data.startsWith('+PONG'));
    });
    socket.on('connect', () => socket.write('PING\r\n'));
  });
}

/** Pings until Redis answers PONG (it answers LOADING while it loads a dump; ours has none). */
export async function waitRedisReady(host: string, port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pingRedis(host, port))) {
    if (Date.now() > deadline)
      throw new Error(`redis-server not ready in ${timeoutMs / 1000} s on ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A redis-server of one's own (benchmarks, tests that kill it) as a child process, resolved once
 * it accepts connections; `url` is its address.
 */
export async function startRedisServer(
  o: Omit<RedisServerOptions, 'logLevel'> & { name?: string },
): Promise<Child & { url: string }> {
  const child = await startChild({
    name: o.name ?? 'redis-server',
    command: redisServerBinary(),
    // Notice level: its "Ready to accept connections" line is the ready line.
    args: redisServerArgs({ ...o, logLevel: 'notice' }),
    env: process.env,
    readyLine: /Ready to accept connections/,
  });
  await waitRedisReady(o.host, o.port);
  return Object.assign(child, { url: `redis://${o.host}:${o.port}` });
}
