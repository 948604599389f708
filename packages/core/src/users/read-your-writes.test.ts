import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reports } from '../db/schema.ts';
import { createCachedWorld, PASSWORD, type CachedWorld } from '../testing/cached-world.ts';
import { standing } from '../testing/standing.ts';

/**
 * Every write that changes a cached entry, followed at once by the writer's read through the
 * cache: the read shows the write. Each case warms the entries first (the writer's read and
 * another viewer's), so a write that forgot to drop one would be read back stale.
 */
describe('cache-aside reads show the writer its own write at once', () => {
  let w: CachedWorld;
  let alice: string;
  let bob: string;
  let carol: string;
  const profile = (name: string, viewer: string | null) => w.services.users.getProfile(name, viewer);
  const photo = (id: string, viewer: string | null) => w.services.photos.getPhoto(id, viewer);
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (err: { code?: string }) => err.code,
    );

  beforeAll(async () => {
    w = await createCachedWorld();
  });
  afterAll(() => w.close());
  beforeEach(async () => {
    await w.t.reset();
    w.cache.entries.clear();
    alice = await w.account('alice');
    bob = await w.account('bob');
    carol = await w.account('carol');
  });

  /** Reads the profile as the writer and as carol, so its entries are cached before the write. */
  async function warm(name: string, ...viewers: Array<string | null>) {
    for (const v of [...viewers, carol, null]) await codeOf(profile(name, v));
  }

  it('profile edit, avatar, and the switch to private and back (accepting every request)', async () => {
    await warm('alice', alice);
    await w.services.accounts.updateMe(alice, { displayName: 'Alice A.', bio: 'hello' });
    expect(await profile('alice', alice)).toMatchObject({ displayName: 'Alice A.', bio: 'hello' });
    expect((await profile('alice', carol)).displayName).toBe('Alice A.');

    const avatarPost = await w.post(alice);
    const cover = await photo(avatarPost, alice); // the owner of the post is cached too
    await w.services.accounts.updateMe(alice, { avatarPhotoId: avatarPost });
    const withAvatar = await profile('alice', alice);
    expect(withAvatar.avatarUrl).toMatch(/^http:\/\/storage\.test\//);
    expect((await photo(avatarPost, alice)).owner.avatarUrl).toBe(withAvatar.avatarUrl);
    expect(cover.owner.avatarUrl).toBeNull();

    await w.services.accounts.updateMe(alice, { private: true });
    expect((await profile('alice', alice)).private).toBe(true);
    await warm('alice', bob);
    expect((await w.services.users.follow(bob, 'alice')).state).toBe('requested');
    expect(await profile('alice', bob)).toMatchObject({ requestedByMe: true, followedByMe: false });
    await warm('bob', bob);
    await w.services.accounts.updateMe(alice, { private: false });
    expect(await profile('alice', alice)).toMatchObject({ private: false, followerCount: 1 });
    expect(await profile('alice', bob)).toMatchObject({ requestedByMe: false, followedByMe: true });
    expect((await profile('bob', bob)).followingCount).toBe(1);
  });

  it('follow and unfollow move both counters and the follower’s flag', async () => {
    await warm('alice', bob);
    await warm('bob', bob);
    await w.services.users.follow(bob, 'alice');
    expect(await profile('alice', bob)).toMatchObject({ followedByMe: true, followerCount: 1 });
    expect((await profile('bob', bob)).followingCount).toBe(1);
    await w.services.users.unfollow(bob, 'alice');
    expect(await profile('alice', bob)).toMatchObject({ followedByMe: false, followerCount: 0 });
    expect((await profile('bob', bob)).followingCount).toBe(0);
  });

  it('request, accept and decline, seen by both sides', async () => {
    await standing(w.db).makePrivate(alice);
    await warm('alice', bob, alice);
    await w.services.users.follow(bob, 'alice');
    expect((await profile('alice', bob)).requestedByMe).toBe(true);
    await w.services.relations.acceptFollowRequest(alice, 'bob');
    expect(await profile('alice', bob)).toMatchObject({ followedByMe: true, requestedByMe: false });
    expect((await profile('alice', alice)).followerCount).toBe(1);

    await warm('alice', carol);
    await w.services.users.follow(carol, 'alice');
    expect((await profile('alice', carol)).requestedByMe).toBe(true);
    await w.services.relations.declineFollowRequest(alice, 'carol');
    expect(await profile('alice', carol)).toMatchObject({ followedByMe: false, requestedByMe: false });
  });

  it('block and unblock, mute and unmute', async () => {
    await w.services.users.follow(bob, 'alice');
    await warm('alice', bob, alice);
    await warm('bob', bob, alice);
    await w.services.relations.block(alice, 'bob');
    expect(await profile('bob', alice)).toMatchObject({ blockedByMe: true, followingCount: 0 });
    expect((await profile('alice', alice)).followerCount).toBe(0);
    expect(await codeOf(profile('alice', bob))).toBe('not_found');
    await w.services.relations.unblock(alice, 'bob');
    expect((await profile('bob', alice)).blockedByMe).toBe(false);
    expect(await codeOf(profile('alice', bob))).toBe('ok');

    await w.services.relations.mute(alice, 'bob');
    expect((await profile('bob', alice)).mutedByMe).toBe(true);
    await w.services.relations.unmute(alice, 'bob');
    expect((await profile('bob', alice)).mutedByMe).toBe(false);
  });

  it('post create, edit, delete and a moderator’s removal', async () => {
    await warm('alice', alice);
    const first = await w.post(alice, 'first');
    expect((await profile('alice', alice)).photoCount).toBe(1);
    expect((await photo(first, carol)).status).toBe('ready');
    await w.services.photos.editPhoto(alice, first, { caption: 'edited #tag' });
    expect(await photo(first, alice)).toMatchObject({ caption: 'edited #tag', tags: ['tag'] });
    expect((await photo(first, carol)).caption).toBe('edited #tag');

    await w.services.photos.deletePhoto(alice, first);
    expect(await codeOf(photo(first, alice))).toBe('not_found');
    expect((await profile('alice', alice)).photoCount).toBe(0);

    const second = await w.post(alice);
    await photo(second, carol);
    await w.services.photos.removePhoto(second, async () => {});
    expect(await codeOf(photo(second, carol))).toBe('not_found');
    expect((await profile('alice', alice)).photoCount).toBe(0);
  });

  it('a post turning ready shows to its owner at once', async () => {
    const id = await w.post(alice, '', { process: false });
    expect((await photo(id, alice)).status).toBe('processing');
    expect(await codeOf(photo(id, carol))).toBe('not_found');
    await w.services.photos.processPhoto(id);
    expect(await photo(id, alice)).toMatchObject({ status: 'ready', media: [{ status: 'ready' }] });
    expect((await photo(id, carol)).status).toBe('ready');
  });

  it('like and unlike, comment add and delete, save and unsave', async () => {
    const id = await w.post(alice);
    await photo(id, bob);
    await photo(id, carol);
    await w.services.photos.like(bob, id);
    expect(await photo(id, bob)).toMatchObject({ likeCount: 1, likedByMe: true });
    expect(await photo(id, carol)).toMatchObject({ likeCount: 1, likedByMe: false });
    await w.services.photos.unlike(bob, id);
    expect(await photo(id, bob)).toMatchObject({ likeCount: 0, likedByMe: false });

    const comment = await w.services.comments.create(bob, id, 'nice');
    expect((await photo(id, bob)).commentCount).toBe(1);
    await w.services.comments.delete(bob, comment.id);
    expect((await photo(id, bob)).commentCount).toBe(0);
    const again = await w.services.comments.create(carol, id, 'again');
    expect((await photo(id, carol)).commentCount).toBe(1);
    await w.services.comments.remove(again.id, async () => {});
    expect((await photo(id, carol)).commentCount).toBe(0);

    await w.services.photos.save(bob, id);
    expect(await photo(id, bob)).toMatchObject({ savedByMe: true });
    expect((await photo(id, carol)).savedByMe).toBe(false);
    await w.services.photos.unsave(bob, id);
    expect((await photo(id, bob)).savedByMe).toBe(false);
  });

  it('a suspension hides the account and its posts from everyone at once', async () => {
    const moderator = await w.account('mod');
    await standing(w.db).makeModerator(moderator);
    const id = await w.post(bob);
    await warm('bob', bob);
    await photo(id, carol);
    const report = await w.services.reports.create(carol, {
      target: { type: 'user', id: bob },
      reason: 'spam',
    });
    await w.services.moderation.resolve(moderator, report.id, { action: 'suspend' });
    expect(await codeOf(profile('bob', carol))).toBe('not_found');
    expect(await codeOf(photo(id, carol))).toBe('not_found');
    expect(await w.db.select().from(reports)).toHaveLength(1);
  });

  it('account deletion: gone at once, others’ counters follow, and the name is free again', async () => {
    const id = await w.post(alice);
    await w.services.users.follow(bob, 'alice');
    await w.services.users.follow(alice, 'bob');
    await w.services.photos.like(bob, id);
    const bobsPost = await w.post(bob);
    await w.services.photos.like(alice, bobsPost);
    await w.services.comments.create(alice, bobsPost, 'hi');
    await warm('alice', bob);
    await warm('bob', bob);
    await photo(bobsPost, bob);

    await w.services.accountData.deleteAccount(alice, PASSWORD);
    expect(await codeOf(profile('alice', bob))).toBe('not_found');
    expect(await codeOf(photo(id, bob))).toBe('not_found');

    await w.services.accountData.runDeletion(alice);
    expect(await profile('bob', bob)).toMatchObject({ followerCount: 0, followingCount: 0 });
    expect(await photo(bobsPost, bob)).toMatchObject({ likeCount: 0, commentCount: 0 });

    const newAlice = await w.account('Alice');
    expect((await profile('alice', null)).id).toBe(newAlice);
  });
});
