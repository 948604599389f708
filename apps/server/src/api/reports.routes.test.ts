import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jpegWithGps } from '../testing/images.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

describe('reports and the moderation queue over HTTP', () => {
  let t: TestApp;
  let jpeg: Buffer;
  let owner: string;
  let reporter: string;
  let mod: string;
  let photoId: string;
  beforeAll(async () => {
    t = await createTestApp();
    jpeg = await jpegWithGps(640, 480);
  });
  beforeEach(async () => {
    await t.testDb.reset();
    owner = await t.signUp('owner');
    reporter = await t.signUp('reporter');
    mod = await t.signUp('mod');
    await t.comp.services.moderation.setRole('mod', 'moderator');
    photoId = await readyPhoto(owner);
  });
  afterAll(() => t.close());

  const call = (method: string, url: string, token?: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });

  async function readyPhoto(token: string) {
    const up = await call('POST', '/uploads', token, { contentType: 'image/jpeg', size: jpeg.length });
    await t.sendUpload(up.json().upload, jpeg);
    const created = await call('POST', '/photos', token, { uploadId: up.json().uploadId, caption: 'spam' });
    await t.comp.services.photos.processPhoto(created.json().id);
    return created.json().id as string;
  }

  const report = (token: string, reason = 'spam') =>
    call('POST', '/reports', token, { target: { type: 'photo', id: photoId }, reason });

  it('takes a report to resolution: 201, the queue, remove, 409 on a second resolve', async () => {
    const filed = await report(reporter, '  looks like a scam  ');
    expect(filed.statusCode).toBe(201);
    expect(filed.json()).toMatchObject({
      target: { type: 'photo', id: photoId },
      reason: 'looks like a scam',
      status: 'open',
    });
    // Filing it again answers the same open report (201: the contract's one success status).
    const again = await report(reporter, 'still');
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(filed.json().id);

    const queue = await call('GET', '/admin/reports', mod);
    expect(queue.statusCode).toBe(200);
    expect(queue.json().items).toMatchObject([
      {
        id: filed.json().id,
        reporter: { username: 'reporter' },
        targetOwner: { username: 'owner' },
        openReports: 1,
        content: { type: 'photo', photo: { id: photoId, caption: 'spam', owner: { username: 'owner' } } },
      },
    ]);

    const resolved = await call('POST', `/admin/reports/${filed.json().id}/resolve`, mod, {
      action: 'remove',
      reason: 'scam',
    });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json()).toMatchObject({ id: filed.json().id, status: 'removed' });
    expect((await call('GET', `/photos/${photoId}`, reporter)).statusCode).toBe(404);
    expect((await call('GET', '/admin/reports', mod)).json().items).toEqual([]);
    const notes = (await call('GET', '/notifications', reporter)).json().items;
    expect(notes).toMatchObject([
      { type: 'report_resolved', report: { id: filed.json().id, status: 'removed' } },
    ]);

    const twice = await call('POST', `/admin/reports/${filed.json().id}/resolve`, mod, { action: 'dismiss' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('conflict');
    expect((await call('POST', '/admin/reports/12345/resolve', mod, { action: 'dismiss' })).statusCode).toBe(
      404,
    );
  });

  it('suspends: the account is signed out at once and cannot log in again', async () => {
    const filed = (await report(reporter)).json();
    expect((await call('GET', '/me', owner)).statusCode).toBe(200);
    const res = await call('POST', `/admin/reports/${filed.id}/resolve`, mod, { action: 'suspend' });
    expect(res.statusCode).toBe(200);
    expect((await call('GET', '/me', owner)).statusCode).toBe(401);
    const logIn = await call('POST', '/sessions', undefined, {
      username: 'owner',
      password: 'correct horse battery',
    });
    expect(logIn.statusCode).toBe(403);
    expect(logIn.json().error.code).toBe('suspended');
  });

  it('answers 401 signed out, 403 to non-moderators, and changes nothing', async () => {
    const filed = (await report(reporter)).json();
    const before = await t.snapshot();
    expect(
      (await call('POST', '/reports', undefined, { target: { type: 'photo', id: photoId }, reason: 'x' }))
        .statusCode,
    ).toBe(401);
    expect((await call('GET', '/admin/reports')).statusCode).toBe(401);
    expect(
      (await call('POST', `/admin/reports/${filed.id}/resolve`, undefined, { action: 'remove' })).statusCode,
    ).toBe(401);
    for (const token of [reporter, owner]) {
      const list = await call('GET', '/admin/reports', token);
      expect(list.statusCode).toBe(403);
      expect(list.json().error.code).toBe('forbidden');
      const resolve = await call('POST', `/admin/reports/${filed.id}/resolve`, token, { action: 'remove' });
      expect(resolve.statusCode).toBe(403);
    }
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses bad input with 400 (own content included), unknown targets with 404, and changes nothing', async () => {
    const filed = (await report(reporter)).json();
    const before = await t.snapshot();
    const bad: unknown[] = [
      {},
      { target: { type: 'photo', id: photoId } },
      { target: { type: 'post', id: photoId }, reason: 'x' },
      { target: { type: 'photo', id: 'abc' }, reason: 'x' },
      { target: { type: 'photo', id: '99999999999999999999' }, reason: 'x' },
      { target: { type: 'photo', id: photoId }, reason: '   ' },
      { target: { type: 'photo', id: photoId }, reason: 'x'.repeat(501) },
      { target: { type: 'photo', id: photoId }, reason: 'nul\u0000byte' },
      { target: { type: 'photo', id: photoId }, reason: ['x'] },
      { target: 'photo', reason: 'x' },
    ];
    for (const payload of bad) {
      const res = await call('POST', '/reports', mod, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const own = await report(owner);
    expect(own.statusCode).toBe(400);
    expect(own.json().error.code).toBe('bad_request');
    expect(
      (await call('POST', '/reports', mod, { target: { type: 'user', id: '12345' }, reason: 'x' }))
        .statusCode,
    ).toBe(404);

    for (const payload of [
      {},
      { action: 'ban' },
      { action: 'dismiss', reason: 'x'.repeat(501) },
      { action: 'dismiss', reason: 'a\u0007' },
    ]) {
      const res = await call('POST', `/admin/reports/${filed.id}/resolve`, mod, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect((await call('POST', '/admin/reports/abc/resolve', mod, { action: 'dismiss' })).statusCode).toBe(
      400,
    );
    for (const query of ['status=bogus', 'cursor=not-an-id', 'limit=0', 'limit=51']) {
      expect((await call('GET', `/admin/reports?${query}`, mod)).statusCode, query).toBe(400);
    }
    expect(await t.snapshot()).toEqual(before);
  });
});
