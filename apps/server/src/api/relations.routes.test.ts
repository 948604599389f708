import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

describe('private accounts, follow requests, blocks and mutes over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(() => t.testDb.reset());
  afterAll(() => t.close());

  const call = (method: string, url: string, token?: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });

  it('goes private, is asked, accepts; the requester then follows', async () => {
    const owner = await t.signUp('owner');
    const fan = await t.signUp('fan');
    const other = await t.signUp('other');
    const patched = await call('PATCH', '/me', owner, { private: true });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ username: 'owner', private: true });

    const asked = await call('PUT', '/users/owner/follow', fan);
    expect(asked.statusCode).toBe(200);
    expect(asked.json()).toEqual({ following: false, state: 'requested', followerCount: 0 });
    expect((await call('PUT', '/users/owner/follow', other)).json().state).toBe('requested');

    const list = await call('GET', '/me/follow-requests?limit=1', owner);
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((u: { username: string }) => u.username)).toEqual(['other']);
    const rest = await call('GET', `/me/follow-requests?cursor=${list.json().nextCursor}`, owner);
    expect(rest.json()).toEqual({ items: [expect.objectContaining({ username: 'fan' })], nextCursor: null });
    // The requester sees nothing of the owner's queue: their own list is theirs.
    expect((await call('GET', '/me/follow-requests', fan)).json().items).toEqual([]);

    const accepted = await call('POST', '/me/follow-requests/fan/accept', owner);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toEqual({ accepted: true });
    expect((await call('PUT', '/users/owner/follow', fan)).json()).toEqual({
      following: true,
      state: 'following',
      followerCount: 1,
    });
    const notes = await call('GET', '/notifications', fan);
    expect(notes.json().items).toEqual([
      expect.objectContaining({
        type: 'follow_accept',
        actor: expect.objectContaining({ username: 'owner' }),
      }),
    ]);

    expect((await call('DELETE', '/me/follow-requests/other', owner)).json()).toEqual({ accepted: false });
    expect((await call('DELETE', '/me/follow-requests/other', owner)).statusCode).toBe(404);
    expect((await call('POST', '/me/follow-requests/fan/accept', owner)).statusCode).toBe(404);
  });

  it('blocks and mutes idempotently; the blocked gets 404 on follow, the blocker 409', async () => {
    const ann = await t.signUp('ann');
    const ben = await t.signUp('ben');
    await call('PUT', '/users/ann/follow', ben);
    await call('PUT', '/users/ben/follow', ann);
    for (let i = 0; i < 2; i++) {
      const res = await call('PUT', '/users/ben/block', ann);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ blocked: true });
    }
    const me = (await call('GET', '/me', ann)).json();
    expect(me).toMatchObject({ followerCount: 0, followingCount: 0 });
    const refused = await call('PUT', '/users/ann/follow', ben);
    expect(refused.statusCode).toBe(404);
    expect(refused.json().error).toEqual({ code: 'not_found', message: 'user not found' });
    expect((await call('PUT', '/users/ben/follow', ann)).json().error.code).toBe('conflict');
    expect((await call('DELETE', '/users/ben/block', ann)).json()).toEqual({ blocked: false });
    expect((await call('DELETE', '/users/ben/block', ann)).json()).toEqual({ blocked: false });
    expect((await call('PUT', '/users/ann/follow', ben)).json().state).toBe('following');

    expect((await call('PUT', '/users/ben/mute', ann)).json()).toEqual({ muted: true });
    expect((await call('PUT', '/users/ben/mute', ann)).json()).toEqual({ muted: true });
    expect((await call('DELETE', '/users/ben/mute', ann)).json()).toEqual({ muted: false });
  });

  it.each([
    ['PUT', '/users/selfish/block', 400],
    ['DELETE', '/users/selfish/block', 400],
    ['PUT', '/users/selfish/mute', 400],
    ['DELETE', '/users/selfish/mute', 400],
    ['PUT', '/users/nobody_here/block', 404],
    ['PUT', '/users/nobody_here/mute', 404],
    ['PUT', '/users/bad%20name/block', 400],
    ['DELETE', '/users/bad%00name/mute', 400],
    ['POST', '/me/follow-requests/nobody_here/accept', 404],
    ['POST', '/me/follow-requests/stranger/accept', 404],
    ['DELETE', '/me/follow-requests/stranger', 404],
    ['DELETE', '/me/follow-requests/x', 400],
    ['GET', '/me/follow-requests?limit=500', 400],
    ['GET', '/me/follow-requests?cursor=%27%3Bdrop', 400],
  ])('%s %s → %i, and nothing changes', async (method, url, status) => {
    const me = await t.signUp('selfish');
    await t.signUp('stranger');
    await call('PATCH', '/me', me, { private: true });
    const before = await t.snapshot();
    const res = await call(method, url, me);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(await t.snapshot()).toEqual(before);
  });

  it.each([
    ['GET', '/me/follow-requests'],
    ['POST', '/me/follow-requests/ann/accept'],
    ['DELETE', '/me/follow-requests/ann'],
    ['PUT', '/users/ann/block'],
    ['DELETE', '/users/ann/mute'],
  ])('%s %s signed out → 401', async (method, url) => {
    await t.signUp('ann');
    expect((await call(method, url)).statusCode).toBe(401);
  });

  it('refuses a non-boolean private with 400 and keeps the account as it was', async () => {
    const me = await t.signUp('ann');
    const before = await t.snapshot();
    for (const value of ['yes', 1, null]) {
      expect((await call('PATCH', '/me', me, { private: value })).statusCode).toBe(400);
    }
    expect(await t.snapshot()).toEqual(before);
    expect((await call('GET', '/me', me)).json().private).toBe(false);
  });
});
