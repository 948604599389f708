import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  blocks,
  emailTokens,
  followRequests,
  idempotencyKeys,
  moderationActions,
  mutes,
  photos,
  rateLimits,
  reports,
  sessions,
  users,
} from '../db/schema.ts';
import { jpegBytes, uploadAndCreate } from '../photos/photo.fixtures.ts';
import {
  createDataWorld,
  gpsJpeg,
  makeAccount,
  PASSWORD,
  readyPost,
  type DataWorld,
} from './account-data.fixtures.ts';
import { leftovers, storedKeys, unclassifiedIdColumns, wrongCounters } from './deletion.check.ts';

describe('account deletion', () => {
  let w: DataWorld;
  let bob: string;
  let carol: string;

  beforeEach(async () => {
    w = await createDataWorld();
    bob = await makeAccount(w, 'bob');
    carol = await makeAccount(w, 'carol');
  }, 30_000);
  afterEach(() => w.close());

  /** An account with a row in every table that can hold one, and objects in the store; its own ids. */
  async function seed(username: string): Promise<{ id: string; ids: string[] }> {
    const me = await makeAccount(w, username);
    const mine = await readyPost(w, me, [await gpsJpeg(), await gpsJpeg(300, 200)], '#mine @bob');
    // A post still processing (its upload in the store) and an upload never used.
    const processing = await uploadAndCreate(w, me, await jpegBytes(64, 64));
    const unused = await w.photos.createUpload(me, { contentType: 'image/jpeg', size: 10 });
    const bobs = await readyPost(w, bob, [await jpegBytes(80, 60)], 'bob');
    await w.users.follow(bob, username);
    await w.users.follow(me, 'bob');
    await w.users.follow(me, 'carol');
    await w.users.follow(carol, username);
    await w.photos.like(bob, mine.id);
    await w.photos.like(me, bobs.id);
    await w.photos.like(carol, bobs.id);
    await w.comments.create(bob, mine.id, 'lovely');
    await w.comments.create(me, bobs.id, 'first');
    await w.comments.create(me, bobs.id, 'hey @carol');
    await w.comments.create(carol, bobs.id, 'third');
    await w.photos.save(bob, mine.id);
    await w.photos.save(me, bobs.id);
    await w.db.insert(followRequests).values([
      { requesterId: me, targetId: carol },
      { requesterId: bob, targetId: me },
    ]);
    await w.db.insert(blocks).values([
      { blockerId: me, blockedId: carol },
      { blockerId: bob, blockedId: me },
    ]);
    await w.db.insert(mutes).values([
      { muterId: me, mutedId: bob },
      { muterId: carol, mutedId: me },
    ]);
    await w.db.insert(reports).values([
      { reporterId: me, targetType: 'user', targetId: bob, targetOwnerId: bob, reason: 'spam' },
      { reporterId: bob, targetType: 'photo', targetId: mine.id, targetOwnerId: me, reason: 'rude' },
    ]);
    await w.db
      .insert(moderationActions)
      .values({ moderatorId: carol, action: 'dismiss', targetType: 'user', targetId: me });
    await w.db.insert(emailTokens).values({
      userId: me,
      purpose: 'verify',
      tokenHash: `h-${me}`,
      email: `${username}@example.org`,
      expiresAt: new Date(Date.now() + 3600_000),
    });
    await w.db.insert(idempotencyKeys).values({ userId: me, key: 'k1', requestHash: 'h' });
    await w.db.insert(rateLimits).values({ key: `like:account:${me}`, points: 1 });
    await w.db
      .insert(sessions)
      .values({ userId: me, tokenHash: `t-${me}`, expiresAt: new Date(Date.now() + 3600_000) });
    await w.events.publish(me, 'photo.ready', { photo: mine });
    const exp = await w.exports.request(me);
    await w.exports.build(exp.id);
    const ids = [me, mine.id, processing.id, unused.uploadId, exp.id, ...mine.media.map((m) => m.id)];
    return { id: me, ids };
  }

  async function expectGone(me: { id: string; ids: string[] }, username: string) {
    expect(await unclassifiedIdColumns(w.t.database)).toEqual([]);
    expect(await leftovers(w.t.database, me.ids, [username])).toEqual([]);
    expect(await wrongCounters(w.t.database)).toEqual([]);
    const keys = await storedKeys(w.dir);
    expect(keys.filter((k) => me.ids.some((id) => k.includes(id)))).toEqual([]);
    // Bob's post is untouched: its objects are still there.
    expect(keys.length).toBeGreaterThan(0);
    // Reports about the account stay, for the moderators, with its ids only.
    expect(await w.db.select().from(reports)).toEqual([
      expect.objectContaining({ reporterId: bob, targetOwnerId: me.id }),
    ]);
    expect(await w.db.select().from(moderationActions)).toHaveLength(1);
  }

  it('refuses a wrong password and changes nothing', async () => {
    const me = await seed('dora');
    await expect(w.deletion().requestDeletion(me.id, 'not the password')).rejects.toMatchObject({
      code: 'forbidden',
    });
    const [row] = await w.db.select().from(users).where(eq(users.id, me.id));
    expect(row!.deletedAt).toBeNull();
    expect(await w.db.select().from(sessions).where(eq(sessions.userId, me.id))).toHaveLength(1);
  }, 60_000);

  it('ends the sessions at once, then the job leaves no row or object of the account, and right counters', async () => {
    const me = await seed('dora');
    // Before: the account's rows really are there, and counters agree.
    expect((await leftovers(w.t.database, me.ids, ['dora'])).length).toBeGreaterThan(15);
    expect(await wrongCounters(w.t.database)).toEqual([]);

    await expect(w.deletion().requestDeletion(me.id, PASSWORD)).resolves.toEqual({ status: 'deleting' });
    expect(await w.db.select().from(sessions).where(eq(sessions.userId, me.id))).toEqual([]);
    const [marked] = await w.db.select().from(users).where(eq(users.id, me.id));
    expect(marked!.deletedAt).not.toBeNull();

    await w.deletion().run(me.id);
    await expectGone(me, 'dora');
    const others = await w.db.select().from(users);
    expect(others.map((u) => [u.username, u.followerCount, u.followingCount]).sort()).toEqual([
      ['bob', 0, 0],
      ['carol', 0, 0],
    ]);
    const [bobs] = await w.db.select().from(photos).where(eq(photos.ownerId, bob));
    expect([bobs!.likeCount, bobs!.commentCount]).toEqual([1, 1]);
    // The username is free again.
    expect(await makeAccount(w, 'dora')).toBeTruthy();
  }, 60_000);

  it('resumes where a run died: a run stopped after a few batches is finished by the next', async () => {
    const me = await seed('dora');
    await w.deletion().requestDeletion(me.id, PASSWORD);
    let batches = 0;
    const dies = w.deletion({ batchSize: 1 });
    await expect(
      dies.run(me.id, {
        afterBatch: () => {
          if (++batches === 6) throw new Error('worker killed');
        },
      }),
    ).rejects.toThrow('worker killed');
    // Half done: some rows are gone, the account is not; other accounts' counters are right already.
    expect(await w.db.select().from(users).where(eq(users.id, me.id))).toHaveLength(1);
    expect((await wrongCounters(w.t.database)).filter((c) => c !== 'user dora')).toEqual([]);

    await w.deletion({ batchSize: 2 }).run(me.id);
    await expectGone(me, 'dora');
    // A third run (the queue retrying) finds nothing to do.
    await w.deletion().run(me.id);
  }, 60_000);

  it('never runs for an account not marked deleted', async () => {
    const me = await seed('dora');
    await w.deletion().run(me.id);
    expect(await w.db.select().from(users).where(eq(users.id, me.id))).toHaveLength(1);
    expect(await w.deletion().resumeUnfinished()).toBe(0);
    await w.deletion().requestDeletion(me.id, PASSWORD);
    expect(await w.deletion().resumeUnfinished()).toBe(1);
  }, 60_000);
});
