import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '@graminsta/platform';
import { notifications, users } from '../db/schema.ts';
import { insertPost } from '../testing/posts.ts';
import { standing } from '../testing/standing.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { NotificationServiceImpl, NotifierImpl } from './notification.service.ts';

/** Notifications are not recorded at all between accounts that blocked or muted each other. */
describe('Notifier and the standing between actor and recipient', () => {
  let t: TestDatabase;
  let db: Db;
  let notifier: NotifierImpl;
  let ann: string;
  let ben: string;
  let cy: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    db = t.database.db;
    notifier = new NotifierImpl({
      db,
      blobs: { publicUrl: (k) => k },
      events: { publish: () => Promise.reject(new Error('unused')) },
    });
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.reset();
    const rows = await db
      .insert(users)
      .values(['ann', 'ben', 'cyd'].map((username) => ({ username, passwordHash: 'x' })))
      .returning({ id: users.id });
    [ann, ben, cy] = rows.map((r) => r.id) as [string, string, string];
  });

  const follow = (recipientId: string, actorId: string) =>
    db.transaction((tx) => notifier.record(tx, { recipientId, actorId, type: 'follow' }));
  const mention = (actorId: string, text: string, photoId: string) =>
    db.transaction((tx) => notifier.mention(tx, { actorId, text, photoId }));
  const recipientsOf = async () => (await db.select().from(notifications)).map((n) => n.userId).sort();

  it('records nothing when either blocked the other, or the recipient muted the actor', async () => {
    const set = standing(db);
    await set.block(ann, ben);
    await set.mute(cy, ben);
    expect(await follow(ann, ben)).toBeNull(); // Ann blocked Ben
    expect(await follow(ben, ann)).toBeNull(); // Ben is blocked by Ann
    expect(await follow(cy, ben)).toBeNull(); // Cy muted Ben
    expect(await follow(ben, cy)).not.toBeNull(); // a mute is one way
    expect(await recipientsOf()).toEqual([ben]);
  });

  it('records nothing from a suspended or deleted actor', async () => {
    await standing(db).suspend(ben);
    await standing(db).markDeleted(cy);
    expect(await follow(ann, ben)).toBeNull();
    expect(await follow(ann, cy)).toBeNull();
  });

  it('mentions only those who hear from the actor and may see the post', async () => {
    const set = standing(db);
    const post = await insertPost(db, { ownerId: ann, status: 'ready' });
    await set.block(ben, ann);
    expect(await mention(ann, 'hi @ben @cyd', post)).toHaveLength(1);
    expect(await recipientsOf()).toEqual([cy]);

    // A private account's post: its followers are told, others are not.
    await t.reset();
    await db.insert(users).values([
      { id: ann, username: 'ann', passwordHash: 'x', private: true },
      { id: ben, username: 'ben', passwordHash: 'x' },
      { id: cy, username: 'cyd', passwordHash: 'x' },
    ]);
    const hidden = await insertPost(db, { ownerId: ann, status: 'ready' });
    await set.follow(cy, ann);
    expect(await mention(ann, '@ben @cyd', hidden)).toHaveLength(1);
    expect(await recipientsOf()).toEqual([cy]);
  });

  it('lists no notification about a post the recipient may no longer see, nor from a muted actor', async () => {
    const set = standing(db);
    const service = new NotificationServiceImpl({ db, blobs: { publicUrl: (k) => k } });
    const post = await insertPost(db, { ownerId: ann, status: 'ready' });
    await mention(ann, 'look @ben', post);
    await follow(ben, cy);
    const listed = async () => {
      const page = await service.list(ben, { limit: 20 });
      return [page.items.map((n) => n.type), page.unreadCount];
    };
    expect(await listed()).toEqual([['follow', 'mention'], 2]);
    await set.makePrivate(ann);
    await set.mute(ben, cy);
    expect(await listed()).toEqual([[], 0]);
    await set.follow(ben, ann);
    expect(await listed()).toEqual([['mention'], 1]);
  });
});
