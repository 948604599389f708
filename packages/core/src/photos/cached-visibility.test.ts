import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../services.ts';
import { createCachedWorld, type CachedWorld } from '../testing/cached-world.ts';
import { standing } from '../testing/standing.ts';

/**
 * No leak between viewers: every kind of viewer reads the same profiles, posts and lists through
 * one shared cache, in several orders (whoever fills an entry first), and each gets exactly what
 * it gets with no cache at all: its own flags and its own visibility answer.
 */
describe('cached reads never carry one viewer’s answer to another', () => {
  let w: CachedWorld;
  const viewers: Record<string, string | null> = { anonymous: null };
  const posts: Array<{ label: string; id: string }> = [];
  const owners = ['pub', 'priv', 'gone'];

  beforeAll(async () => {
    w = await createCachedWorld();
    const s = standing(w.db);
    const id = async (name: string, o?: { private?: boolean }) => (viewers[name] = await w.account(name, o));
    const pub = await id('pub');
    const priv = await id('priv', { private: true });
    const gone = await id('gone');
    const follower = await id('follower');
    const requester = await id('requester');
    await id('stranger');
    const blocked = await id('blocked');
    const blocker = await id('blocker');
    const muter = await id('muter');
    for (const owner of [pub, priv]) {
      await s.follow(follower, owner);
      await s.block(owner, blocked);
      await s.block(blocker, owner);
      await s.mute(muter, owner);
    }
    await s.request(requester, priv);
    for (const [label, owner] of [
      ['pub', pub],
      ['priv', priv],
      ['gone', gone],
    ] as const) {
      posts.push({ label: `${label} ready`, id: await w.post(owner!, `by ${label}`) });
      posts.push({ label: `${label} processing`, id: await w.post(owner!, '', { process: false }) });
    }
    await w.services.photos.like(follower, posts[0]!.id);
    await w.services.photos.save(follower, posts[2]!.id);
    await w.services.photos.like(pub, posts[0]!.id);
    await s.suspend(gone);
  });
  afterAll(() => w.close());

  const outcome = (p: Promise<unknown>) =>
    p.then(
      (value) => ({ value }),
      (err: { code?: string }) => ({ error: err.code }),
    );

  /** Every read of the matrix, as [label, call]. */
  function reads(services: Services) {
    const page = { limit: 20 };
    const all: Array<[string, () => Promise<unknown>]> = [];
    for (const [viewerName, viewer] of Object.entries(viewers)) {
      for (const owner of owners) {
        all.push([`${viewerName} → profile ${owner}`, () => services.users.getProfile(owner, viewer)]);
        all.push([
          `${viewerName} → photos of ${owner}`,
          () => services.photos.listByUser(owner, viewer, page),
        ]);
        all.push([
          `${viewerName} → followers of ${owner}`,
          () => services.users.followers(owner, viewer, page),
        ]);
      }
      for (const post of posts)
        all.push([`${viewerName} → photo ${post.label}`, () => services.photos.getPhoto(post.id, viewer)]);
    }
    return all;
  }

  async function expected() {
    const answers = new Map<string, unknown>();
    for (const [label, read] of reads(w.plain)) answers.set(label, await outcome(read()));
    return answers;
  }

  it.each([
    ['in order', (n: number) => [...Array(n).keys()]],
    ['in reverse', (n: number) => [...Array(n).keys()].reverse()],
    ['interleaved', (n: number) => [...Array(n).keys()].sort((a, b) => (a % 7) - (b % 7) || a - b)],
  ])('%s', async (_name, order) => {
    const want = await expected();
    w.cache.entries.clear();
    const matrix = reads(w.services);
    const got = new Map<string, unknown>();
    for (const i of order(matrix.length)) {
      const [label, read] = matrix[i]!;
      got.set(label, await outcome(read()));
    }
    // Warm now: read everything once more, every answer still the viewer's own.
    for (const [label, read] of matrix) expect(await outcome(read()), label).toEqual(got.get(label));
    for (const [label] of matrix) expect(got.get(label), label).toEqual(want.get(label));
    expect(w.cache.entries.size).toBeGreaterThan(0);
  });

  it('the table says what it should for a few cells (the reference is not itself wrong)', async () => {
    const v = viewers;
    const profile = (name: string, viewer: string | null) => w.services.users.getProfile(name, viewer);
    expect(await profile('pub', v.follower!)).toMatchObject({ followedByMe: true, mutedByMe: false });
    expect(await profile('pub', v.muter!)).toMatchObject({ followedByMe: false, mutedByMe: true });
    expect(await profile('priv', v.requester!)).toMatchObject({ requestedByMe: true });
    expect(await profile('pub', v.blocker!)).toMatchObject({ blockedByMe: true });
    expect(await outcome(profile('pub', v.blocked!))).toEqual({ error: 'not_found' });
    expect(await outcome(w.services.photos.getPhoto(posts[2]!.id, v.stranger!))).toEqual({
      error: 'private',
    });
    expect(await w.services.photos.getPhoto(posts[2]!.id, v.follower!)).toMatchObject({ savedByMe: true });
    expect(await w.services.photos.getPhoto(posts[0]!.id, null)).toMatchObject({
      likeCount: 2,
      likedByMe: false,
    });
  });
});
