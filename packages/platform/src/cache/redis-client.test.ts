import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeRedis, openRedis, whenReady, type RedisConnection } from './redis-client.ts';
import { TEST_REDIS_URL, uniquePrefix } from './testing/redis.ts';

/** Keeps this thread busy, as a crowd of requests does: no timer, no socket is served meanwhile. */
async function busy(ms: number): Promise<void> {
  // Auto-pipelining writes queued commands from an immediate: let them go out first.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // spin
  }
}

/**
 * A server that speaks just enough RESP for ioredis to connect (every command gets `+OK`, INFO an
 * empty bulk string), then stops answering once `silent` is set: a Redis that hangs.
 */
async function hangingRedis(): Promise<{ url: string; goSilent(): void; close(): Promise<void> }> {
  let silent = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk) => {
      if (silent) return;
      // One reply per command (each is a RESP array: a line starting with `*`).
      for (const line of chunk.toString('latin1').split('\r\n')) {
        if (!line.startsWith('*')) continue;
        socket.write(chunk.toString('latin1').toLowerCase().includes('info') ? '$0\r\n\r\n' : '+OK\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    goSilent: () => void (silent = true),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a Redis connection’s command timeout', () => {
  const open: RedisConnection[] = [];
  afterEach(async () => {
    for (const c of open.splice(0)) await closeRedis(c);
  });

  it('lets a command answered in time succeed even when this process was too busy to read the answer until after the deadline', async () => {
    const redis = openRedis({ url: TEST_REDIS_URL, commandTimeoutMs: 100 });
    open.push(redis);
    expect(await whenReady(redis)).toBe(true);
    const key = `${uniquePrefix('busy-loop')}key`;
    await redis.set(key, 'answered', 'PX', 10_000);
    const read = redis.get(key);
    await busy(400);
    // ioredis's own commandTimeout would have failed this read ("Command timed out").
    await expect(read).resolves.toBe('answered');
    const many = Promise.all(Array.from({ length: 50 }, () => redis.get(key)));
    await busy(400);
    expect(new Set(await many)).toEqual(new Set(['answered']));
  });

  it('still fails a command a hung server never answers, and after no more than a little past the timeout', async () => {
    const server = await hangingRedis();
    try {
      const redis = openRedis({ url: server.url, commandTimeoutMs: 200 });
      open.push(redis);
      expect(await whenReady(redis)).toBe(true);
      expect(await redis.set('k', 'v')).toBe('OK');
      server.goSilent();
      const started = Date.now();
      await expect(redis.get('k')).rejects.toThrow('Command timed out');
      // Not a wall-clock assertion on speed: only that the timer, not some later event, ended it.
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    } finally {
      await server.close();
    }
  });
});
