import { randomBytes } from 'node:crypto';
import { openRedis, whenReady, type RedisConnection, type RedisSettings } from '../redis-client.ts';

/** The Redis every test machine runs (CI too); tests keep apart by key prefix, never by FLUSHALL. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export const TEST_COMMAND_TIMEOUT_MS = 5_000;

/** The shared test Redis, for adapters that open their own connections. */
export const testRedisSettings: RedisSettings = {
  url: TEST_REDIS_URL,
  commandTimeoutMs: TEST_COMMAND_TIMEOUT_MS,
};

/** A key prefix no other test run uses. */
export const uniquePrefix = (what = 'test') => `graminsta-test:${what}:${randomBytes(6).toString('hex')}:`;

export function testRedis(url = TEST_REDIS_URL, onError?: (err: Error) => void): RedisConnection {
  // A loaded test machine can take longer than production's 500 ms: these tests are about logic, not timeouts.
  return openRedis({
    url,
    name: 'graminsta-test',
    commandTimeoutMs: TEST_COMMAND_TIMEOUT_MS,
    onError: onError ?? (() => {}),
  });
}

/** A test connection, once ready (a test's first command would otherwise find no connection yet). */
export async function readyRedis(url = TEST_REDIS_URL): Promise<RedisConnection> {
  const redis = testRedis(url);
  if (!(await whenReady(redis, 5_000))) throw new Error(`no Redis at ${url}`);
  return redis;
}
