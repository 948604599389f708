import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

const WEB = 'http://localhost:4200';
const EVIL = 'http://evil.example';

/** The API as stage 3 runs it: the browser client is served from another origin (CORS_ORIGINS). */
describe('the API for a web client on another origin', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      ROLES: 'api,worker,realtime,storage',
      CORS_ORIGINS: WEB,
      PUBLIC_API_URL: 'http://localhost:4100',
      PUBLIC_WEB_URL: WEB,
    });
  });
  afterAll(() => t.close());

  const preflight = (origin: string) =>
    t.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/photos',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,idempotency-key',
      },
    });

  it('lets the configured web origin call it with credentials', async () => {
    const pre = await preflight(WEB);
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(WEB);
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
    expect(String(pre.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(pre.headers['access-control-allow-headers'])).toContain('idempotency-key');

    const me = await t.app.inject({ url: '/api/v1/explore', headers: { origin: WEB } });
    expect(me.headers['access-control-allow-origin']).toBe(WEB);
    expect(me.headers['vary']).toMatch(/origin/i);
  });

  it('gives any other origin no access-control-allow-origin, so its page cannot read answers', async () => {
    for (const origin of [EVIL, 'http://localhost:4201', 'null']) {
      const pre = await preflight(origin);
      expect(pre.headers['access-control-allow-origin'], origin).toBeUndefined();
      expect(pre.headers['access-control-allow-credentials'], origin).toBeUndefined();
      const get = await t.app.inject({ url: '/api/v1/explore', headers: { origin } });
      expect(get.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
  });

  it('issues an HttpOnly SameSite=Lax session cookie, honoured on writes from the web origin only', async () => {
    const signUp = await t.app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      headers: { origin: WEB },
      payload: { username: 'cookie_cat', password: 'correct horse battery' },
    });
    expect(signUp.statusCode).toBe(201);
    const setCookie = String(signUp.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Secure/i); // plain http on loopback; https turns it on
    const cookie = setCookie.split(';')[0]!;

    const read = await t.app.inject({ url: '/api/v1/me', headers: { origin: WEB, cookie } });
    expect(read.statusCode).toBe(200);

    const edit = (origin: string) =>
      t.app.inject({
        method: 'PATCH',
        url: '/api/v1/me',
        headers: { origin, cookie },
        payload: { bio: `from ${origin}` },
      });
    expect((await edit(EVIL)).statusCode).toBe(403);
    expect((await edit(WEB)).statusCode).toBe(200);
    const after = await t.app.inject({ url: '/api/v1/me', headers: { cookie } });
    expect(after.json()).toMatchObject({ bio: `from ${WEB}` });
  });
});
