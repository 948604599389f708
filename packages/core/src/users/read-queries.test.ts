import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKeys } from '../policies/cache-keys.ts';
import { createCachedWorld, type CachedWorld } from '../testing/cached-world.ts';
import { createQueryCounter } from '../testing/query-counter.ts';
import { standing } from '../testing/standing.ts';

/** What a profile or photo page costs in statements, with and without the cache. */
describe('statements per profile and photo read', () => {
  const counter = createQueryCounter();
  let w: CachedWorld;
  let alice: string;
  let bob: string;
  let post: string;

  beforeAll(async () => {
    w = await createCachedWorld({ onQuery: counter.observer });
    alice = await w.account('alice');
    bob = await w.account('bob');
    await standing(w.db).follow(bob, alice);
    post = await w.post(alice);
    await w.services.photos.like(bob, post);
  });
  afterAll(() => w.close());

  const queries = async (fn: () => Promise<unknown>) => (await counter.measure(fn)).queries;

  it('uncached (CACHE=off): one statement per profile or photo page, signed in or not', async () => {
    expect(await queries(() => w.plain.users.getProfile('Alice', null))).toBe(1);
    expect(await queries(() => w.plain.users.getProfile('alice', bob))).toBe(1);
    expect(await queries(() => w.plain.photos.getPhoto(post, null))).toBe(1);
    const { result, queries: n } = await counter.measure(() => w.plain.photos.getPhoto(post, bob));
    expect(n).toBe(1);
    expect(result).toMatchObject({ likedByMe: true, likeCount: 1 });
  });

  it('a profile: none when warm, one for the account when only its name is known', async () => {
    w.cache.entries.clear();
    // Nothing cached: the name's id, then the account (a fill never reuses another load's row).
    expect(await queries(() => w.services.users.getProfile('alice', null))).toBe(2);
    expect(await queries(() => w.services.users.getProfile('ALICE', null))).toBe(0);
    await w.cache.invalidate([cacheKeys.user(alice)]);
    expect(await queries(() => w.services.users.getProfile('alice', null))).toBe(1);
    // Signed in: the pair once, then nothing (the session lookup is the API's, not counted here).
    expect(await queries(() => w.services.users.getProfile('alice', bob))).toBe(1);
    const { result, queries: n } = await counter.measure(() => w.services.users.getProfile('alice', bob));
    expect(n).toBe(0);
    expect(result).toMatchObject({ followedByMe: true, followerCount: 1 });
  });

  it('a photo page: none when warm, one per missing part when cold', async () => {
    w.cache.entries.clear();
    // The post, its owner, the pair and the viewer's like and save.
    expect(await queries(() => w.services.photos.getPhoto(post, bob))).toBe(4);
    const { result, queries: n } = await counter.measure(() => w.services.photos.getPhoto(post, bob));
    expect(n).toBe(0);
    expect(result).toMatchObject({ likedByMe: true, likeCount: 1 });
    expect(await queries(() => w.services.photos.getPhoto(post, null))).toBe(0);
    expect(await queries(() => w.services.photos.getPhoto(post, alice))).toBe(1); // alice's own flags
  });
});
