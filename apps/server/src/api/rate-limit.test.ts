import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ActionLimit, LimitedAction } from '@graminsta/core';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

const tight = (perAccount: number, perAddress: number): ActionLimit => ({
  perAccount: { points: perAccount, durationSec: 600 },
  perAddress: { points: perAddress, durationSec: 600 },
});

const signUpFrom = (t: TestApp, username: string, remoteAddress: string, headers = {}) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/accounts',
    remoteAddress,
    headers,
    payload: { username, password: 'correct horse battery' },
  });

function expectRateLimited(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }) {
  expect(res.statusCode).toBe(429);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.json()).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
}

describe('rate limits on the limited routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    const actions: Partial<Record<LimitedAction, ActionLimit>> = {};
    for (const name of ['upload', 'photo', 'comment', 'like', 'follow', 'report'] as const)
      actions[name] = tight(1, 2);
    t = await createTestApp({}, { limits: { actions } });
  });
  afterEach(() => t.testDb.reset());
  afterAll(() => t.close());

  // Each route's second call by one account is over its budget, whatever the first one answered.
  const routes: Array<[LimitedAction, 'POST' | 'PUT' | 'PATCH' | 'DELETE', string, object?]> = [
    ['upload', 'POST', '/api/v1/uploads', { contentType: 'image/jpeg', size: 1000 }],
    ['photo', 'POST', '/api/v1/photos', { uploadId: '123' }],
    ['photo', 'PATCH', '/api/v1/photos/123', { caption: 'edited' }],
    ['comment', 'POST', '/api/v1/photos/123/comments', { body: 'nice' }],
    ['like', 'PUT', '/api/v1/photos/123/like'],
    ['like', 'DELETE', '/api/v1/photos/123/like'],
    // Saves spend the like budget: both are one tap on a post.
    ['like', 'PUT', '/api/v1/photos/123/save'],
    ['like', 'DELETE', '/api/v1/photos/123/save'],
    ['follow', 'PUT', '/api/v1/users/somebody/follow'],
    ['follow', 'DELETE', '/api/v1/users/somebody/follow'],
    ['report', 'POST', '/api/v1/reports', { target: { type: 'photo', id: '123' }, reason: 'spam' }],
  ];

  it.each(routes)(
    '%s: %s %s answers 429 per account, and per address',
    async (_name, method, url, payload) => {
      const [ann, bob, cat] = [await t.signUp('ann'), await t.signUp('bob'), await t.signUp('cat')];
      const send = (token: string, remoteAddress: string) =>
        t.app.inject({ method, url, payload, remoteAddress, headers: { authorization: `Bearer ${token}` } });
      expect((await send(ann, '192.0.2.1')).statusCode).not.toBe(429);
      // The same account from another address: the per-account budget is spent.
      expectRateLimited(await send(ann, '192.0.2.2'));
      // Other accounts from that first address spend its per-address budget of two.
      expect((await send(bob, '192.0.2.1')).statusCode).not.toBe(429);
      expectRateLimited(await send(cat, '192.0.2.1'));
    },
  );
});

describe('the sign-up limit per address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(
      {},
      { limits: { actions: { signup: { perAddress: { points: 2, durationSec: 3600 } } } } },
    );
  });
  afterAll(() => t.close());

  it('limits sign-ups per address, and a forged X-Forwarded-For does not reset the count', async () => {
    expect((await signUpFrom(t, 'first', '192.0.2.10')).statusCode).toBe(201);
    expect(
      (await signUpFrom(t, 'second', '192.0.2.10', { 'x-forwarded-for': '198.51.100.1' })).statusCode,
    ).toBe(201);
    const forged = await signUpFrom(t, 'third', '192.0.2.10', { 'x-forwarded-for': '198.51.100.2' });
    expectRateLimited(forged);
    expect((await signUpFrom(t, 'elsewhere', '192.0.2.11')).statusCode).toBe(201);
    // Nothing was written for the refused sign-up.
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      payload: { username: 'third', password: 'correct horse battery' },
    });
    expect(login.statusCode).toBe(401);
  });
});

describe('rate limits behind a configured balancer', () => {
  let t: TestApp;
  const BALANCER = '10.0.0.2';
  beforeAll(async () => {
    t = await createTestApp(
      { TRUSTED_PROXIES: BALANCER },
      { limits: { actions: { signup: { perAddress: { points: 1, durationSec: 3600 } } } } },
    );
  });
  afterAll(() => t.close());

  it("counts the client the balancer names, not the balancer's own address", async () => {
    const via = (username: string, client: string) =>
      signUpFrom(t, username, BALANCER, { 'x-forwarded-for': client });
    expect((await via('one', '198.51.100.5')).statusCode).toBe(201);
    expectRateLimited(await via('two', '198.51.100.5'));
    // Another client behind the same balancer has its own budget.
    expect((await via('three', '198.51.100.6')).statusCode).toBe(201);
  });
});
