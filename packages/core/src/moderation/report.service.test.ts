import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Photo } from '@graminsta/contracts';
import { reports, users } from '../db/schema.ts';
import { jpegBytes, postPhoto, uploadAndCreate } from '../photos/photo.fixtures.ts';
import { codeOf, createModerationWorld, type ModerationWorld } from './moderation.fixtures.ts';

describe('ReportService', () => {
  let w: ModerationWorld;
  let alice: string;
  let bob: string;
  let photo: Photo;

  beforeAll(async () => {
    w = await createModerationWorld();
  });
  afterAll(() => w.close());
  beforeEach(async () => {
    await w.t.reset();
    alice = (await w.signUp('alice')).id;
    bob = (await w.signUp('bob')).id;
    photo = await postPhoto(w, alice);
  });

  const reportRows = async () => (await w.db.select({ n: count() }).from(reports))[0]!.n;

  it('files a report of a photo, a comment or an account, with the reason trimmed', async () => {
    const report = await w.reports.create(bob, {
      target: { type: 'photo', id: photo.id },
      reason: '  spam \n',
    });
    expect(report).toMatchObject({
      target: { type: 'photo', id: photo.id },
      reason: 'spam',
      status: 'open',
      resolvedAt: null,
    });
    const comment = await w.comments.create(alice, photo.id, 'buy my stuff');
    await w.reports.create(bob, { target: { type: 'comment', id: comment.id }, reason: 'spam' });
    await w.reports.create(bob, { target: { type: 'user', id: alice }, reason: 'a spammer' });
    const rows = await w.db.select().from(reports).orderBy(reports.id);
    expect(rows.map((r) => [r.targetType, r.targetOwnerId, r.reporterId])).toEqual([
      ['photo', alice, bob],
      ['comment', alice, bob],
      ['user', alice, bob],
    ]);
  });

  it('answers the open report again when the same reporter reports the same target twice', async () => {
    const first = await w.reports.create(bob, { target: { type: 'photo', id: photo.id }, reason: 'spam' });
    const again = await w.reports.create(bob, { target: { type: 'photo', id: photo.id }, reason: 'really' });
    expect(again).toEqual(first);
    expect(await reportRows()).toBe(1);
    // Two reporters: two reports.
    const carol = (await w.signUp('carol')).id;
    await w.reports.create(carol, { target: { type: 'photo', id: photo.id }, reason: 'spam' });
    expect(await reportRows()).toBe(2);
  });

  it('files one report when the same report races with itself', async () => {
    const body = { target: { type: 'photo' as const, id: photo.id }, reason: 'spam' };
    const [a, b] = await Promise.all([w.reports.create(bob, body), w.reports.create(bob, body)]);
    expect(a.id).toBe(b.id);
    expect(await reportRows()).toBe(1);
  });

  it('refuses own content with 400, and unknown or invisible targets with 404, storing nothing', async () => {
    const comment = await w.comments.create(bob, photo.id, 'mine');
    expect(
      await codeOf(w.reports.create(alice, { target: { type: 'photo', id: photo.id }, reason: 'x' })),
    ).toBe('bad_request');
    expect(
      await codeOf(w.reports.create(bob, { target: { type: 'comment', id: comment.id }, reason: 'x' })),
    ).toBe('bad_request');
    expect(await codeOf(w.reports.create(bob, { target: { type: 'user', id: bob }, reason: 'x' }))).toBe(
      'bad_request',
    );
    for (const type of ['photo', 'comment', 'user'] as const) {
      expect(await codeOf(w.reports.create(bob, { target: { type, id: '12345' }, reason: 'x' }))).toBe(
        'not_found',
      );
    }
    // A photo still processing is its owner's alone: nobody else can report it.
    const pending = await uploadAndCreate(w, alice, await jpegBytes());
    expect(
      await codeOf(w.reports.create(bob, { target: { type: 'photo', id: pending.id }, reason: 'x' })),
    ).toBe('not_found');
    // A suspended account is gone from view.
    await w.db.update(users).set({ suspendedAt: new Date() }).where(eq(users.id, alice));
    expect(await codeOf(w.reports.create(bob, { target: { type: 'user', id: alice }, reason: 'x' }))).toBe(
      'not_found',
    );
    expect(
      await codeOf(w.reports.create(bob, { target: { type: 'photo', id: photo.id }, reason: '   ' })),
    ).toBe('validation_failed');
    expect(await reportRows()).toBe(0);
  });
});
