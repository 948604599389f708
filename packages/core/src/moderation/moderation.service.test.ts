import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Comment, Photo, Report } from '@graminsta/contracts';
import { moderationActions, reports, sessions, users } from '../db/schema.ts';
import { postPhoto } from '../photos/photo.fixtures.ts';
import { PASSWORD, codeOf, createModerationWorld, type ModerationWorld } from './moderation.fixtures.ts';

describe('ModerationService', () => {
  let w: ModerationWorld;
  let alice: { id: string; token: string };
  let bob: string;
  let carol: string;
  let mod: string;
  let photo: Photo;
  let comment: Comment;
  let onPhoto: Report;

  beforeAll(async () => {
    w = await createModerationWorld();
  });
  afterAll(() => w.close());
  beforeEach(async () => {
    await w.t.reset();
    alice = await w.signUp('alice');
    bob = (await w.signUp('bob')).id;
    carol = (await w.signUp('carol')).id;
    mod = (await w.signUp('mod')).id;
    await w.moderation.setRole('MOD', 'moderator');
    photo = await postPhoto(w, alice.id, { caption: 'buy followers #cheap' });
    comment = await w.comments.create(alice.id, photo.id, 'dm me for deals');
    onPhoto = await w.reports.create(bob, { target: { type: 'photo', id: photo.id }, reason: 'spam post' });
    await w.reports.create(carol, { target: { type: 'photo', id: photo.id }, reason: 'scam' });
  });

  const reportOf = async (id: string) => (await w.db.select().from(reports).where(eq(reports.id, id)))[0]!;
  const log = () => w.db.select().from(moderationActions);
  const resolvedNotes = async (userId: string) =>
    (await w.notifications.list(userId, { limit: 20 })).items.filter((n) => n.type === 'report_resolved');

  it('shows moderators the queue oldest first, with the content in context, even of a private account', async () => {
    await w.reports.create(bob, { target: { type: 'comment', id: comment.id }, reason: 'spam comment' });
    await w.reports.create(carol, { target: { type: 'user', id: alice.id }, reason: 'spammer' });
    // Private since the reports were filed: the queue still shows the moderator what was reported.
    await w.db.update(users).set({ private: true }).where(eq(users.id, alice.id));
    const page = await w.moderation.list(mod, { status: 'open', limit: 20 });
    expect(page.items.map((r) => [r.target.type, r.reporter.username, r.reason, r.openReports])).toEqual([
      ['photo', 'bob', 'spam post', 2],
      ['photo', 'carol', 'scam', 2],
      ['comment', 'bob', 'spam comment', 1],
      ['user', 'carol', 'spammer', 1],
    ]);
    const [first, , onComment, onUser] = page.items;
    expect(first!.targetOwner.username).toBe('alice');
    expect(first!.content).toMatchObject({
      type: 'photo',
      photo: { id: photo.id, caption: 'buy followers #cheap', owner: { username: 'alice' } },
    });
    const shown = first!.content?.type === 'photo' ? first!.content.photo : null;
    expect(shown?.media[0]?.variants?.w1080.url).toMatch(/^http:\/\/storage\.test\//);
    expect(onComment!.content).toMatchObject({
      type: 'comment',
      comment: { id: comment.id, body: 'dm me for deals', author: { username: 'alice' } },
      photo: { id: photo.id },
    });
    expect(onUser!.content).toMatchObject({ type: 'user', user: { username: 'alice', private: true } });

    // Keyset pages: oldest first, no report twice.
    const one = await w.moderation.list(mod, { status: 'open', limit: 3 });
    const two = await w.moderation.list(mod, { status: 'open', limit: 3, cursor: one.nextCursor! });
    expect([...one.items, ...two.items].map((r) => r.id)).toEqual(page.items.map((r) => r.id));
    expect(two.nextCursor).toBeNull();
  });

  it('refuses the queue and its actions to anyone but a moderator, changing nothing', async () => {
    expect(await codeOf(w.moderation.list(bob, { status: 'open', limit: 20 }))).toBe('forbidden');
    expect(await codeOf(w.moderation.resolve(bob, onPhoto.id, { action: 'remove' }))).toBe('forbidden');
    expect(await codeOf(w.moderation.resolve(alice.id, onPhoto.id, { action: 'dismiss' }))).toBe('forbidden');
    expect((await reportOf(onPhoto.id)).status).toBe('open');
    expect(await w.photos.getPhoto(photo.id, bob)).toMatchObject({ id: photo.id });
    expect(await log()).toHaveLength(0);
    // A revoked moderator is an ordinary user again.
    await w.moderation.setRole('mod', 'user');
    expect(await codeOf(w.moderation.list(mod, { status: 'open', limit: 20 }))).toBe('forbidden');
    expect(await codeOf(w.moderation.setRole('nobody', 'moderator'))).toBe('not_found');
  });

  it('dismisses: every open report on the target closes, the action is logged, reporters are told', async () => {
    const done = await w.moderation.resolve(mod, onPhoto.id, { action: 'dismiss', reason: ' not spam ' });
    expect(done).toMatchObject({ id: onPhoto.id, status: 'dismissed' });
    expect(done.resolvedAt).not.toBeNull();
    expect((await w.db.select().from(reports)).map((r) => r.status)).toEqual(['dismissed', 'dismissed']);
    expect(await log()).toMatchObject([
      {
        reportId: onPhoto.id,
        moderatorId: mod,
        action: 'dismiss',
        targetType: 'photo',
        targetId: photo.id,
        reason: 'not spam',
      },
    ]);
    expect(await resolvedNotes(bob)).toMatchObject([{ report: { id: onPhoto.id, status: 'dismissed' } }]);
    expect(await resolvedNotes(carol)).toHaveLength(1);
    const live = (await w.events.since(bob, '0')).filter((e) => e.type === 'notification');
    expect(live.at(-1)?.data).toMatchObject({ type: 'report_resolved', report: { status: 'dismissed' } });
    // The content stays, and the queue is empty.
    expect(await w.photos.getPhoto(photo.id, bob)).toMatchObject({ id: photo.id });
    expect((await w.moderation.list(mod, { status: 'open', limit: 20 })).items).toEqual([]);
    expect((await w.moderation.list(mod, { status: 'dismissed', limit: 20 })).items).toHaveLength(2);
    // Resolving a closed report again is a conflict, and adds nothing to the log.
    expect(await codeOf(w.moderation.resolve(mod, onPhoto.id, { action: 'remove' }))).toBe('conflict');
    expect(await log()).toHaveLength(1);
    expect(await codeOf(w.moderation.resolve(mod, '12345', { action: 'dismiss' }))).toBe('not_found');
  });

  it('removes a photo with its objects and counters through the deletion path', async () => {
    const onComment = await w.reports.create(carol, {
      target: { type: 'comment', id: comment.id },
      reason: 'x',
    });
    const keys = Object.values(photo.variants!).map((v) =>
      v.url.replace('http://storage.test/storage/blobs/', ''),
    );
    for (const key of keys) expect(await w.blobs.head(key)).not.toBeNull();
    await w.moderation.resolve(mod, onPhoto.id, { action: 'remove', reason: 'scam' });
    expect(await codeOf(w.photos.getPhoto(photo.id, alice.id))).toBe('not_found');
    for (const key of keys) expect(await w.blobs.head(key)).toBeNull();
    const [owner] = await w.db.select().from(users).where(eq(users.id, alice.id));
    expect(owner).toMatchObject({ photoCount: 0, suspendedAt: null });
    // The report on a comment under the post closes with it.
    expect((await w.db.select().from(reports)).map((r) => r.status)).toEqual([
      'removed',
      'removed',
      'removed',
    ]);
    expect((await reportOf(onComment.id)).resolvedAt).not.toBeNull();
    expect(await resolvedNotes(carol)).toHaveLength(2);
    expect(await log()).toMatchObject([{ action: 'remove', targetType: 'photo', targetId: photo.id }]);
    // The post's own notifications go with it; the reporters' report_resolved ones stay.
    expect(await resolvedNotes(bob)).toMatchObject([{ report: { id: onPhoto.id, status: 'removed' } }]);
    expect(await codeOf(w.moderation.resolve(mod, onPhoto.id, { action: 'remove' }))).toBe('conflict');
  });

  it('removes a comment and corrects the comment count', async () => {
    const report = await w.reports.create(bob, {
      target: { type: 'comment', id: comment.id },
      reason: 'spam',
    });
    expect((await w.photos.getPhoto(photo.id, bob)).commentCount).toBe(1);
    await w.moderation.resolve(mod, report.id, { action: 'remove' });
    expect((await w.photos.getPhoto(photo.id, bob)).commentCount).toBe(0);
    expect((await w.comments.list(photo.id, bob, { limit: 20 })).items).toEqual([]);
    expect((await reportOf(report.id)).status).toBe('removed');
    // The reports on the photo itself are another target: still open.
    expect((await reportOf(onPhoto.id)).status).toBe('open');
  });

  it('suspends the owner: sessions end at once, log-in is refused, all their open reports close', async () => {
    const second = await w.accounts.logIn({ username: 'alice', password: PASSWORD }, { ip: '::1' });
    const onComment = await w.reports.create(bob, {
      target: { type: 'comment', id: comment.id },
      reason: 'x',
    });
    expect(await w.accounts.authenticate(alice.token)).toBe(alice.id);
    await w.moderation.resolve(mod, onComment.id, { action: 'suspend', reason: 'spam ring' });
    expect(await w.accounts.authenticate(alice.token)).toBeNull();
    expect(await w.accounts.authenticate(second.token)).toBeNull();
    expect(await w.db.select().from(sessions).where(eq(sessions.userId, alice.id))).toEqual([]);
    expect(await codeOf(w.accounts.logIn({ username: 'alice', password: PASSWORD }, { ip: '::1' }))).toBe(
      'suspended',
    );
    expect((await w.db.select().from(users).where(eq(users.id, alice.id)))[0]!.suspendedAt).not.toBeNull();
    expect((await w.db.select().from(reports)).map((r) => r.status)).toEqual([
      'suspended',
      'suspended',
      'suspended',
    ]);
    expect(await log()).toMatchObject([{ action: 'suspend', targetType: 'comment', reason: 'spam ring' }]);
    expect((await resolvedNotes(bob)).map((n) => n.report?.status)).toEqual(['suspended', 'suspended']);
    // The other moderators' sessions are untouched.
    expect(await w.db.select().from(sessions).where(eq(sessions.userId, mod))).toHaveLength(1);
  });

  it('treats `remove` of an account as a suspension, and never lets a moderator suspend themselves', async () => {
    const onUser = await w.reports.create(bob, { target: { type: 'user', id: alice.id }, reason: 'spammer' });
    expect(await w.moderation.resolve(mod, onUser.id, { action: 'remove' })).toMatchObject({
      status: 'suspended',
    });
    expect(await log()).toMatchObject([{ action: 'suspend', targetType: 'user', targetId: alice.id }]);

    const onMod = await w.reports.create(bob, { target: { type: 'user', id: mod }, reason: 'rude' });
    expect(await codeOf(w.moderation.resolve(mod, onMod.id, { action: 'suspend' }))).toBe('bad_request');
    expect((await reportOf(onMod.id)).status).toBe('open');
  });

  it('lets exactly one of two moderators resolve a report', async () => {
    const other = (await w.signUp('mod2')).id;
    await w.moderation.setRole('mod2', 'moderator');
    const results = await Promise.all([
      codeOf(w.moderation.resolve(mod, onPhoto.id, { action: 'remove' })),
      codeOf(w.moderation.resolve(other, onPhoto.id, { action: 'dismiss' })),
    ]);
    expect(results.sort()).toEqual(['conflict', 'ok']);
    expect(await log()).toHaveLength(1);
  });
});
