import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TimelineStore } from '../ports.ts';

/** Every adapter is made with these limits, so the suite can reach them. */
export const CONTRACT_LIMITS = { maxLength: 5, idleSeconds: 60 };

// 64-bit ids beyond a double's precision: 2^53 + 1 and neighbours would collapse as numbers.
const big = (n: number) => (9_007_199_254_740_993n + BigInt(n)).toString();

/** The behaviour every TimelineStore adapter shares; user ids are unique per test. */
export function timelineStoreContract(name: string, factory: () => Promise<TimelineStore>): void {
  describe(`TimelineStore contract: ${name}`, () => {
    let store: TimelineStore;
    let n = 0;
    const user = () => `${Date.now()}${(n += 1)}`;

    async function built(userId: string, ids: string[]): Promise<void> {
      const token = await store.beginBuild(userId, 10_000);
      expect(token).not.toBeNull();
      expect(await store.finishBuild(userId, token!, ids)).toBe(true);
    }

    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
    });

    it('answers missing for a timeline never built, and fans out into nothing', async () => {
      const u = user();
      expect(await store.read(u, undefined, 10)).toEqual({ state: 'missing', ids: [], truncated: false });
      expect(await store.fanOut([u], big(1))).toBe(0);
      expect((await store.read(u, undefined, 10)).state).toBe('missing');
    });

    it('reads ids newest first in numeric order, below a cursor, up to a limit', async () => {
      const u = user();
      await built(u, [big(2), big(10), big(1)]);
      await store.fanOut([u], big(3));
      expect(await store.read(u, undefined, 10)).toEqual({
        state: 'ready',
        ids: [big(10), big(3), big(2), big(1)],
        truncated: false,
      });
      expect((await store.read(u, big(3), 10)).ids).toEqual([big(2), big(1)]);
      expect((await store.read(u, undefined, 2)).ids).toEqual([big(10), big(3)]);
      // Ids of different lengths still order as numbers.
      const v = user();
      await built(v, ['99', '100', '1000000000000000000']);
      expect((await store.read(v, undefined, 10)).ids).toEqual(['1000000000000000000', '100', '99']);
    });

    it('keeps at most maxLength ids, dropping the oldest, and says it is truncated', async () => {
      const u = user();
      await built(u, [1, 2, 3, 4].map(big));
      expect((await store.read(u, undefined, 10)).truncated).toBe(false);
      await store.fanOut([u], big(5));
      await store.fanOut([u], big(6));
      await store.fanOut([u], big(0));
      const slice = await store.read(u, undefined, 10);
      expect(slice.ids).toEqual([6, 5, 4, 3, 2].map(big));
      expect(slice.truncated).toBe(true);
      const w = user();
      await built(w, [1, 2, 3, 4, 5, 6, 7].map(big));
      expect((await store.read(w, undefined, 10)).ids).toEqual([7, 6, 5, 4, 3].map(big));
    });

    it('fans out only into timelines that exist, once per id', async () => {
      const [a, b, c] = [user(), user(), user()];
      await built(a, []);
      await built(b, [big(1)]);
      expect(await store.fanOut([a, b, c], big(2))).toBe(2);
      await store.fanOut([a], big(2));
      expect((await store.read(a, undefined, 10)).ids).toEqual([big(2)]);
      expect((await store.read(b, undefined, 10)).ids).toEqual([big(2), big(1)]);
      expect((await store.read(c, undefined, 10)).state).toBe('missing');
    });

    it('lets one caller claim a rebuild; others see it building, and fan-outs meanwhile are kept', async () => {
      const u = user();
      const token = await store.beginBuild(u, 10_000);
      expect(token).not.toBeNull();
      expect(await store.beginBuild(u, 10_000)).toBeNull();
      expect((await store.read(u, undefined, 10)).state).toBe('building');
      expect(await store.fanOut([u], big(9))).toBe(1);
      expect(await store.finishBuild(u, 'not-the-token', [big(1)])).toBe(false);
      expect(await store.finishBuild(u, token!, [big(1)])).toBe(true);
      expect((await store.read(u, undefined, 10)).ids).toEqual([big(9), big(1)]);
      expect(await store.beginBuild(u, 10_000)).toBeNull();
    });

    it('never lets a rebuild claimed before a drop put the old timeline back', async () => {
      const u = user();
      const stale = await store.beginBuild(u, 10_000);
      await store.drop([u]);
      const fresh = await store.beginBuild(u, 10_000);
      expect(fresh).not.toBeNull();
      expect(await store.finishBuild(u, stale!, [big(1)])).toBe(false);
      expect(await store.finishBuild(u, fresh!, [big(2)])).toBe(true);
      expect((await store.read(u, undefined, 10)).ids).toEqual([big(2)]);
      await store.drop([u]);
      expect((await store.read(u, undefined, 10)).state).toBe('missing');
    });

    it('forgets a rebuild whose claim lapsed, so the next reader can claim it', async () => {
      const u = user();
      const token = await store.beginBuild(u, 50);
      await new Promise((r) => setTimeout(r, 120));
      expect((await store.read(u, undefined, 10)).state).toBe('missing');
      expect(await store.finishBuild(u, token!, [big(1)])).toBe(false);
      expect(await store.beginBuild(u, 10_000)).not.toBeNull();
    });
  });
}
