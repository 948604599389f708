import { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /** redis://… (a single node); ignored when `clusterNodes` are given. */
  url?: string;
  /** `host:port` seeds of a Redis Cluster. */
  clusterNodes?: readonly string[];
  /** Every connection error lands here (an unhandled 'error' event would end the process). */
  onError: (err: Error) => void;
  /** A command not answered within this fails (default 1 s), so a hung Redis never hangs a request. */
  commandTimeoutMs?: number;
}

/**
 * Opens Redis for a port adapter. No offline queue: while Redis is down a command fails at once
 * (the caller falls back to the database) instead of piling up; reconnects go on in the background.
 */
export function openRedis(opts: RedisClientOptions): RedisClient {
  const common = {
    commandTimeout: opts.commandTimeoutMs ?? 1000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    enableAutoPipelining: true,
    // Reconnect forever, at most every 2 s: recovery is automatic.
    retryStrategy: (times: number) => Math.min(times * 100, 2000),
  };
  const client: RedisClient =
    opts.clusterNodes && opts.clusterNodes.length > 0
      ? new Cluster(
          opts.clusterNodes.map((node) => {
            const [host, port] = node.split(':');
            return { host: host!, port: Number(port) };
          }),
          { enableOfflineQueue: false, enableAutoPipelining: true, redisOptions: common },
        )
      : new Redis(opts.url ?? 'redis://127.0.0.1:6379', common);
  client.on('error', opts.onError);
  return client;
}

/** Resolves once the client is connected (or rejects after `ms`): for tests and start-up checks. */
export async function redisReady(client: RedisClient, ms = 5000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error('redis not ready in time'));
    }, ms);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}
