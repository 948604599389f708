import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

describe('account export and deletion over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const auth = (token?: string) => (token ? { authorization: `Bearer ${token}` } : {});
  const get = (url: string, token?: string) => t.app.inject({ method: 'GET', url, headers: auth(token) });
  const call = (method: 'POST' | 'DELETE', url: string, token?: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: auth(token),
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  it('prepares an export, lets its owner alone download it as an attachment', async () => {
    const owner = await t.signUp('exporter');
    const other = await t.signUp('snooper');
    expect((await call('POST', '/api/v1/me/export')).statusCode).toBe(401);
    const asked = await call('POST', '/api/v1/me/export', owner);
    expect(asked.statusCode).toBe(202);
    const { id, status } = asked.json();
    expect(status).toBe('pending');
    // The worker's job, run inline (the test app starts no worker).
    await t.comp.services.accountData.buildExport(id);
    expect((await get('/api/v1/me/export', owner)).json().export).toMatchObject({ id, status: 'ready' });

    const zip = await get(`/api/v1/me/exports/${id}`, owner);
    expect(zip.statusCode).toBe(200);
    expect(zip.headers['content-type']).toBe('application/zip');
    expect(zip.headers['content-disposition']).toMatch(/^attachment; filename="graminsta-export-.*\.zip"$/);
    expect(zip.rawPayload.subarray(0, 2).toString('latin1')).toBe('PK');
    expect(Number(zip.headers['content-length'])).toBe(zip.rawPayload.length);

    expect((await get(`/api/v1/me/exports/${id}`, other)).statusCode).toBe(404);
    expect((await get(`/api/v1/me/exports/${id}`)).statusCode).toBe(401);
    expect((await get('/api/v1/me/exports/not-an-id', owner)).statusCode).toBe(400);

    const { items } = (await get('/api/v1/notifications', owner)).json();
    expect(items[0]).toMatchObject({ type: 'export_ready', export: { id, url: `/api/v1/me/exports/${id}` } });
  });

  it('refuses bad input with 400 and a wrong password with 403, changing nothing', async () => {
    const token = await t.signUp('keeper', 'the right password');
    const before = await t.snapshot();
    for (const body of [
      undefined,
      {},
      { password: 12 },
      { password: '' },
      { password: 'x\u0000y' },
      { password: 'the right password', extra: 1 },
    ])
      expect((await call('DELETE', '/api/v1/me', token, body)).statusCode, JSON.stringify(body)).toBe(400);
    const wrong = await call('DELETE', '/api/v1/me', token, { password: 'not the password' });
    expect(wrong.statusCode).toBe(403);
    expect(await t.snapshot()).toEqual(before);
    expect((await get('/api/v1/me', token)).statusCode).toBe(200);
  });

  it('ends every session of the account at once, and the account disappears', async () => {
    const token = await t.signUp('leaver', 'the right password');
    const userId = (await get('/api/v1/me', token)).json().id as string;
    const second = (
      await call('POST', '/api/v1/sessions', undefined, {
        username: 'leaver',
        password: 'the right password',
      })
    ).json().token as string;
    const gone = await call('DELETE', '/api/v1/me', token, { password: 'the right password' });
    expect(gone.statusCode).toBe(202);
    expect(gone.json()).toEqual({ status: 'deleting' });
    expect(gone.headers['set-cookie']).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    for (const t2 of [token, second]) expect((await get('/api/v1/me', t2)).statusCode).toBe(401);
    const login = await call('POST', '/api/v1/sessions', undefined, {
      username: 'leaver',
      password: 'the right password',
    });
    expect(login.statusCode).toBe(401);
    // Signed out at once, gone from profiles once the job has run (the worker's job, run inline).
    await t.comp.services.accountData.runDeletion(userId);
    expect((await get('/api/v1/users/leaver')).statusCode).toBe(404);
    expect(
      (await call('POST', '/api/v1/accounts', undefined, { username: 'leaver', password: 'another one!' }))
        .statusCode,
    ).toBe(201);
  });
});
