import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@graminsta/core';
import { captureLogs } from '../testing/log-capture.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

describe('accounts and sessions over HTTP', () => {
  let t: TestApp;
  const captured = captureLogs('debug');
  beforeAll(async () => {
    t = await createTestApp({}, { logger: captured.logger, limits: { login: DEFAULT_LIMITS.login } });
  });
  beforeEach(() => t.testDb.reset());
  afterAll(() => t.close());

  const post = (url: string, payload: unknown, token?: string) =>
    t.app.inject({
      method: 'POST',
      url,
      payload: payload as object,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('signs up, reads /me, logs out, and the token stops working', async () => {
    const res = await post('/api/v1/accounts', {
      username: 'Nadia.K',
      password: 'long enough',
      displayName: 'Nadia',
    });
    expect(res.statusCode).toBe(201);
    const { user, token } = res.json();
    expect(user).toMatchObject({
      username: 'Nadia.K',
      displayName: 'Nadia',
      followerCount: 0,
      photoCount: 0,
    });
    expect(user.id).toMatch(/^[0-9]+$/);
    expect(res.headers['set-cookie']).toMatch(/HttpOnly/i);

    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.json().username).toBe('Nadia.K');

    const out = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/sessions/current',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(out.statusCode).toBe(200);
    const after = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('unauthenticated');
  });

  it('logs in with the right password only', async () => {
    await post('/api/v1/accounts', { username: 'omar', password: 'right password' });
    const good = await post('/api/v1/sessions', { username: 'OMAR', password: 'right password' });
    expect(good.statusCode).toBe(200);
    expect(good.json().user.username).toBe('omar');
    const bad = await post('/api/v1/sessions', { username: 'omar', password: 'wrong password' });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
  });

  it.each([
    [{ username: 'ab', password: 'long enough' }, 'username'],
    [{ username: 'has space', password: 'long enough' }, 'username'],
    [{ username: 'x'.repeat(31), password: 'long enough' }, 'username'],
    [{ username: 'valid_name', password: 'short' }, 'password'],
    [{ username: 'valid_name' }, 'password'],
  ])('refuses sign-up %j with 400 naming %s, and stores nothing', async (body, field) => {
    const before = await t.snapshot();
    const res = await post('/api/v1/accounts', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    expect(res.json().error.message).toContain(field);
    expect(await t.snapshot()).toEqual(before);
  });

  it('refuses a username taken in another case with 409 and changes nothing', async () => {
    await post('/api/v1/accounts', { username: 'Kai', password: 'long enough' });
    const before = await t.snapshot();
    const res = await post('/api/v1/accounts', { username: 'kAI', password: 'long enough' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('username_taken');
    expect(await t.snapshot()).toEqual(before);
  });

  it('rate-limits repeated log-in failures with 429', async () => {
    await post('/api/v1/accounts', { username: 'target', password: 'right password' });
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      statuses.push(
        (await post('/api/v1/sessions', { username: 'target', password: `guess ${i}xx` })).statusCode,
      );
    }
    expect(statuses).toContain(429);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    // Even the right password is refused while the limit holds.
    expect(
      (await post('/api/v1/sessions', { username: 'target', password: 'right password' })).statusCode,
    ).toBe(429);
  });

  it('answers a malformed token, JSON, media type and oversized body with clear errors', async () => {
    const noBearer = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: 'Token abc' },
    });
    expect(noBearer.statusCode).toBe(401);
    const badJson = await t.app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      headers: { 'content-type': 'application/json' },
      payload: '{"username": ',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('bad_request');
    const text = await t.app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      headers: { 'content-type': 'text/plain' },
      payload: 'username=x',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.code).toBe('unsupported_media_type');
    const huge = await post('/api/v1/accounts', { username: 'big', password: 'x'.repeat(100_000) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error.code).toBe('payload_too_large');
  });

  it('keeps passwords and tokens out of the logs', async () => {
    const res = await post('/api/v1/accounts', { username: 'secretive', password: 'hunter2-hunter2' });
    const { token } = res.json();
    await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
    await post('/api/v1/sessions', { username: 'secretive', password: 'hunter2-hunter2' });
    const logs = captured.text();
    expect(logs).toContain('/api/v1/me'); // the requests were logged
    expect(logs).not.toContain('hunter2');
    expect(logs).not.toContain(token);
  });
});
