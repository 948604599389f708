import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

/** GET /api/v1/session: the browser's start-up question "who is signed in?", answered without a 401. */
describe('the current session', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(() => t.testDb.reset());
  afterAll(() => t.close());

  const session = (headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url: '/api/v1/session', headers });

  async function signUp(username: string) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      payload: { username, password: 'long enough' },
    });
    expect(res.statusCode).toBe(201);
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    return { token: res.json().token as string, cookie };
  }

  it('answers a visitor with no session 200 and no user', async () => {
    const res = await session();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ user: null });
  });

  it('names the signed-in user, by cookie or by bearer token', async () => {
    const { token, cookie } = await signUp('Sasha');
    const ways: Record<string, string>[] = [{ cookie }, { authorization: `Bearer ${token}` }];
    for (const headers of ways) {
      const res = await session(headers);
      expect(res.statusCode).toBe(200);
      expect(res.json().user).toMatchObject({ username: 'Sasha', followerCount: 0 });
    }
  });

  it('answers a cookie that no longer opens a session as signed out, not as an error', async () => {
    const { token, cookie } = await signUp('leaver');
    const out = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/sessions/current',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(out.statusCode).toBe(200);
    for (const c of [cookie, 'graminsta_session=not-a-token', 'graminsta_session=%E0%A4%A']) {
      const res = await session({ cookie: c });
      expect(res.statusCode, c).toBe(200);
      expect(res.json(), c).toEqual({ user: null });
    }
  });

  it('still refuses a revoked bearer token: a client that sends one is told', async () => {
    const { token } = await signUp('api_client');
    await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/sessions/current',
      headers: { authorization: `Bearer ${token}` },
    });
    const res = await session({ authorization: `Bearer ${token}` });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthenticated');
  });
});
