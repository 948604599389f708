import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './ports.ts';
import { pingRedis, redisServerArgs, startRedisServer } from './redis.ts';
import { sendRawBytes } from './raw-socket.ts';

describe('a loopback cache Redis', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graminsta-redis-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps nothing on disk, bounds its memory and listens on loopback only', () => {
    const args = redisServerArgs({ host: '127.0.0.1', port: 7001, dir: '/tmp/x' });
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect(value('--save')).toBe('');
    expect(value('--appendonly')).toBe('no');
    expect(value('--bind')).toBe('127.0.0.1');
    expect(value('--maxmemory-policy')).toBe('allkeys-lru');
    expect(value('--daemonize')).toBe('no');
  });

  it('starts, answers PING, writes no dump when stopped, and is gone after', async () => {
    const port = await freePort();
    const redis = await startRedisServer({ host: '127.0.0.1', port, dir });
    expect(redis.url).toBe(`redis://127.0.0.1:${port}`);
    expect(await pingRedis('127.0.0.1', port)).toBe(true);
    const set = await sendRawBytes('127.0.0.1', port, Buffer.from('SET k v\r\nGET k\r\nQUIT\r\n'));
    expect(set).toBe('+OK\r\n$1\r\nv\r\n+OK\r\n');
    expect(await redis.stop()).toBe(0);
    expect(await readdir(dir)).toEqual([]);
    expect(await pingRedis('127.0.0.1', port)).toBe(false);
  });

  it('with appendOnly (stage 6: BullMQ jobs live there), keeps keys across a restart and evicts only expiring ones', async () => {
    const args = redisServerArgs({ host: '127.0.0.1', port: 7001, dir: '/tmp/x', appendOnly: true });
    expect(args[args.indexOf('--maxmemory-policy') + 1]).toBe('volatile-lru');
    const own = await mkdtemp(join(tmpdir(), 'graminsta-redis-aof-'));
    try {
      const port = await freePort();
      const first = await startRedisServer({ host: '127.0.0.1', port, dir: own, appendOnly: true });
      const set = await sendRawBytes('127.0.0.1', port, Buffer.from('SET job 1\r\nQUIT\r\n'));
      expect(set).toBe('+OK\r\n+OK\r\n');
      expect(await first.stop()).toBe(0);
      const second = await startRedisServer({ host: '127.0.0.1', port, dir: own, appendOnly: true });
      try {
        const got = await sendRawBytes('127.0.0.1', port, Buffer.from('GET job\r\nQUIT\r\n'));
        expect(got).toBe('$1\r\n1\r\n+OK\r\n');
      } finally {
        await second.stop();
      }
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });
});
