import { Cluster, Redis, type ClusterNode, type Command } from 'ioredis';
import type { Config } from '../config.ts';

/** One Redis node or a Redis Cluster: both answer the commands the adapters use. */
export type RedisConnection = Redis | Cluster;

export interface RedisSettings {
  /** redis:// or rediss:// URL of a single node; with `clusterNodes`, only its credentials and TLS are used. */
  url?: string;
  /** `host:port` seed nodes of a Redis Cluster. */
  clusterNodes?: readonly string[];
  /** A command with no reply within this time fails (ms). */
  commandTimeoutMs?: number;
  /** Cluster only: one subscriber per master, for sharded pub/sub (SSUBSCRIBE). */
  shardedSubscribers?: boolean;
  /** Shown in CLIENT LIST. */
  name?: string;
  /** Connection errors (each failed reconnect, too); never rethrown. */
  onError?: (err: Error) => void;
}

const COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 2_000;
const MAX_RECONNECT_DELAY_MS = 2_000;

/** The Redis settings of a configuration; null when it names no Redis. */
export function redisSettingsFrom(
  config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER_NODES'>,
): RedisSettings | null {
  if (!config.REDIS_URL && config.REDIS_CLUSTER_NODES.length === 0) return null;
  return { url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES };
}

// Reconnects forever (recovery is automatic), never more than 2 s apart.
const reconnectDelay = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), MAX_RECONNECT_DELAY_MS);

/**
 * Opens a connection that fails fast during an outage instead of piling commands up: no
 * offline queue (a command while disconnected fails at once), a short command timeout, no
 * re-sending after a reconnect. Errors go to `onError`, so a lost Redis never stops the process.
 */
export function openRedis(settings: RedisSettings): RedisConnection {
  // No `commandTimeout` for ioredis: ours, below, is the one that also holds under a busy loop.
  const common = {
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    // Concurrent commands share one round trip (per node, on a Cluster).
    enableAutoPipelining: true,
    connectionName: settings.name ?? 'graminsta',
  };
  const nodes = settings.clusterNodes ?? [];
  let connection: RedisConnection;
  if (nodes.length > 0) {
    const auth = settings.url ? credentialsOf(settings.url) : {};
    connection = new Cluster(nodes.map(toClusterNode), {
      clusterRetryStrategy: reconnectDelay,
      enableOfflineQueue: false,
      shardedSubscribers: settings.shardedSubscribers ?? false,
      redisOptions: { ...common, ...auth },
    });
  } else if (settings.url) {
    connection = new Redis(settings.url, {
      ...common,
      enableOfflineQueue: false,
      retryStrategy: reconnectDelay,
    });
  } else {
    throw new Error('openRedis needs a URL or cluster nodes');
  }
  connection.on('error', (err: Error) => settings.onError?.(err));
  timeCommands(connection, settings.commandTimeoutMs ?? COMMAND_TIMEOUT_MS);
  return connection;
}

/**
 * Fails each command Redis leaves unanswered for `ms`. ioredis's own `commandTimeout` fires in the
 * loop's timer phase: when a crowd keeps the loop busy past the deadline, a reply that came back
 * in a millisecond is still unread in the socket, and the command fails anyway (the cache then
 * opened its circuit, and every process loaded the cold key itself, just when it was hottest). Here
 * the expired timer first lets the loop read what has arrived (the poll phase runs before
 * `setImmediate`), and fails the command only if it is still unanswered.
 */
function timeCommands(connection: RedisConnection, ms: number): void {
  const timed = new WeakSet<Command>();
  // Every command, pipelined ones too, goes through this method (a Cluster's routes to its nodes).
  const send = connection.sendCommand.bind(connection) as (command: Command, ...rest: unknown[]) => unknown;
  const wrapped = (command: Command, ...rest: unknown[]) => {
    if (!timed.has(command)) {
      timed.add(command);
      const timer = setTimeout(
        () =>
          setImmediate(() => {
            if (!command.isSettled) command.reject(new Error('Command timed out'));
          }),
        ms,
      );
      const clear = () => clearTimeout(timer);
      command.promise.then(clear, clear);
    }
    return send(command, ...rest);
  };
  connection.sendCommand = wrapped as typeof connection.sendCommand;
}

/** Closes a connection, waiting for nothing a dead server would never answer. */
export async function closeRedis(connection: RedisConnection): Promise<void> {
  try {
    await Promise.race([connection.quit(), new Promise((resolve) => setTimeout(resolve, 500).unref())]);
  } catch {
    // already closed or unreachable: disconnect below
  }
  connection.disconnect();
}

export function toClusterNode(node: string): ClusterNode {
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
}

/** Username, password and TLS of a Redis URL (for the nodes of a Cluster). */
export function credentialsOf(url: string): { username?: string; password?: string; tls?: object } {
  const u = new URL(url);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * Resolves true once the connection is ready, false after `timeoutMs` (the server may be down:
 * callers go on, and the connection keeps retrying on its own).
 */
export function whenReady(connection: RedisConnection, timeoutMs = CONNECT_TIMEOUT_MS): Promise<boolean> {
  if (connection.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      connection.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    timer.unref();
    connection.on('ready', onReady);
  });
}
