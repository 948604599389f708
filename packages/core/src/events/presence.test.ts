import { afterEach, describe, expect, it } from 'vitest';
import type { RedisConnection } from '@graminsta/platform';
import { readyRedis, uniquePrefix } from '@graminsta/platform/cache/testing/redis';
import { MemoryPresence, RedisPresence, everyoneOnline } from './presence.ts';

describe('presence', () => {
  it('in process: online while at least one of the user sockets is held', async () => {
    const presence = new MemoryPresence();
    const a1 = presence.hold('1');
    const a2 = presence.hold('1');
    presence.hold('2');
    expect(await presence.online(['3', '2', '1'])).toEqual(['2', '1']);
    a1();
    a1(); // a second release of the same socket changes nothing
    expect(await presence.online(['1'])).toEqual(['1']);
    a2();
    expect(await presence.online(['1', '2'])).toEqual(['2']);
  });

  it('without a shared record (stages 2–5) everyone counts as online', async () => {
    expect(await everyoneOnline.online(['5', '6'])).toEqual(['5', '6']);
  });

  describe('in Redis, shared by the realtime processes', () => {
    const opened: { presence: RedisPresence; redis: RedisConnection }[] = [];
    afterEach(async () => {
      for (const { presence, redis } of opened.splice(0)) {
        await presence.close();
        redis.disconnect();
      }
    });
    const open = async (key: string, now: () => number) => {
      const redis = await readyRedis();
      const presence = new RedisPresence({ redis, key, now, ttlMs: 1000, refreshMs: 3_600_000 });
      opened.push({ presence, redis });
      return presence;
    };

    it('sees the users every process holds, until their expiry passes unrefreshed', async () => {
      const key = uniquePrefix('presence') + 'online';
      let clock = 1_000_000;
      const now = () => clock;
      const one = await open(key, now);
      const two = await open(key, now);
      one.hold('10');
      const release = two.hold('20');
      two.hold('30');
      // hold() marks the first socket of a user at once (in the background).
      await one.refresh();
      await two.refresh();
      expect(await one.online(['10', '20', '30', '40'])).toEqual(['10', '20', '30']);
      expect(await two.online(['40', '10'])).toEqual(['10']);

      // Time passes: only what a process refreshes stays; a released user lapses with its expiry.
      release();
      clock += 1500;
      await one.refresh();
      await two.refresh();
      expect(await one.online(['10', '20', '30'])).toEqual(['10', '30']);

      // A process that died (no refresh) loses its users once their expiry passes.
      clock += 1500;
      await one.refresh();
      expect(await one.online(['10', '20', '30'])).toEqual(['10']);
    });

    it('answers a batch of thousands in one pass of chunked commands', async () => {
      const key = uniquePrefix('presence') + 'online';
      const presence = await open(key, () => 5_000);
      const ids = Array.from({ length: 2500 }, (_, n) => String(n + 1));
      for (const id of ids.filter((id) => Number(id) % 2 === 0)) presence.hold(id);
      await presence.refresh();
      const online = await presence.online(ids);
      expect(online).toHaveLength(1250);
      expect(online.every((id) => Number(id) % 2 === 0)).toBe(true);
    });
  });
});
