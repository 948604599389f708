import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

const HOST = 'graminsta.local:3000';
const EVIL = 'http://evil.example';

async function cookieFor(
  t: TestApp,
  username: string,
  origin: string,
): Promise<{ cookie: string; setCookie: string }> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/accounts',
    headers: { origin },
    payload: { username, password: 'correct horse battery' },
  });
  expect(res.statusCode).toBe(201);
  const setCookie = String(res.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0]!, setCookie };
}

/** A cookie-authenticated write: PATCH /me from a page on `origin`. */
const edit = (t: TestApp, cookie: string, origin: string, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: 'PATCH',
    url: '/api/v1/me',
    headers: { host: HOST, origin, cookie, ...headers },
    payload: { bio: 'edited' },
  });

describe('stage 1: no public URL, the API judges origins by its own scheme and Host', () => {
  let t: TestApp;
  let cookie: string;
  beforeAll(async () => {
    // Loopback is a trusted proxy here, so request.host would follow X-Forwarded-Host.
    t = await createTestApp({ TRUSTED_PROXIES: 'loopback' });
    ({ cookie } = await cookieFor(t, 'stage_one', `http://${HOST}`));
  });
  afterAll(() => t.close());

  it('takes a cookie write from its own origin', async () => {
    expect((await edit(t, cookie, `http://${HOST}`)).statusCode).toBe(200);
  });

  it('refuses a foreign origin that forges X-Forwarded-Host to match', async () => {
    const res = await edit(t, cookie, EVIL, { 'x-forwarded-host': 'evil.example' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('refuses the same host under another scheme or port', async () => {
    expect((await edit(t, cookie, `https://${HOST}`)).statusCode).toBe(403);
    expect((await edit(t, cookie, 'http://graminsta.local:3001')).statusCode).toBe(403);
    expect((await edit(t, cookie, 'null')).statusCode).toBe(403);
  });

  it('sends nosniff on every answer, errors included, and no HSTS over plain http', async () => {
    const answers = [
      await t.app.inject({ url: '/healthz' }),
      await t.app.inject({ url: '/api/v1/users/stage_one' }),
      await t.app.inject({ url: '/api/v1/users/nobody_here' }), // 404
      await t.app.inject({ url: '/api/v1/me' }), // 401
      await t.app.inject({ method: 'POST', url: '/api/v1/accounts', payload: { username: 1 } }), // 400
      await t.app.inject({ url: '/api/v1/no/such/route' }),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 404, 401, 400, 404]);
    for (const answer of answers) {
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['strict-transport-security']).toBeUndefined();
    }
  });
});

describe('public https URLs configured', () => {
  const API = 'https://api.graminsta.example';
  const WEB = 'https://www.graminsta.example';
  let t: TestApp;
  let cookie: string;
  let setCookie: string;
  beforeAll(async () => {
    t = await createTestApp({ PUBLIC_API_URL: API, PUBLIC_WEB_URL: WEB, TRUSTED_PROXIES: 'loopback' });
    ({ cookie, setCookie } = await cookieFor(t, 'https_user', WEB));
  });
  afterAll(() => t.close());

  it('issues a Secure, HttpOnly cookie and sends HSTS', async () => {
    expect(setCookie).toMatch(/;\s*Secure/i);
    expect(setCookie).toMatch(/HttpOnly/i);
    const res = await t.app.inject({ url: '/healthz' });
    expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
    const error = await t.app.inject({ url: '/api/v1/me' });
    expect(error.statusCode).toBe(401);
    expect(error.headers['strict-transport-security']).toMatch(/^max-age=/);
  });

  it('takes cookie writes from the configured origins only, by scheme and host', async () => {
    expect((await edit(t, cookie, WEB)).statusCode).toBe(200);
    expect((await edit(t, cookie, API)).statusCode).toBe(200);
    expect((await edit(t, cookie, 'http://www.graminsta.example')).statusCode).toBe(403);
    // With a public URL the request's own Host counts for nothing, forged or not.
    expect((await edit(t, cookie, `http://${HOST}`)).statusCode).toBe(403);
    const forged = await edit(t, cookie, EVIL, {
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'http',
    });
    expect(forged.statusCode).toBe(403);
  });
});
