import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureLogs } from '../testing/log-capture.ts';
import { outboxMails, waitForLink } from '../testing/mail.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';
import { startWorker, type Worker } from '../worker/worker.ts';

const PASSWORD = 'correct horse battery';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

describe('e-mail, recovery and devices over HTTP', () => {
  let t: TestApp;
  let worker: Worker;
  const captured = captureLogs('info');
  beforeAll(async () => {
    t = await createTestApp({}, { logger: captured.logger });
    worker = await startWorker(t.comp, captured.logger);
  });
  beforeEach(async () => {
    await t.testDb.reset();
    await rm(join(t.dataDir, 'outbox'), { recursive: true, force: true });
  });
  afterAll(async () => {
    await worker.stop();
    await t.close();
  });

  const call = (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    payload?: object,
    token?: string,
    ua?: string,
  ) =>
    t.app.inject({
      method,
      url,
      ...(payload && { payload }),
      headers: { ...(token && { authorization: `Bearer ${token}` }), ...(ua && { 'user-agent': ua }) },
    });
  const signUp = async (username: string, email?: string, ua?: string) => {
    const res = await call(
      'POST',
      '/api/v1/accounts',
      { username, password: PASSWORD, email },
      undefined,
      ua,
    );
    expect(res.statusCode).toBe(201);
    return res.json<{ token: string; user: { id: string } }>();
  };
  const logIn = async (username: string, password = PASSWORD, ua?: string) =>
    (await call('POST', '/api/v1/sessions', { username, password }, undefined, ua)).json<{ token: string }>()
      .token;
  const mails = () => outboxMails(t.dataDir);
  const status = async (token: string) => (await call('GET', '/api/v1/me', undefined, token)).statusCode;

  it('verifies an address through the mailed link once; the outbox log names the file and subject, never the token', async () => {
    const { token } = await signUp('ann', 'ann@example.com');
    const link = await waitForLink(mails, 'ann@example.com', 'verify-email');
    const line = captured
      .text()
      .split('\n')
      .find((l) => l.includes('mail written to the outbox'));
    expect(line).toContain(`"subject":"Confirm your e-mail address for Graminsta"`);
    expect(line).toContain(`${t.dataDir}/outbox/`);
    expect(captured.text()).not.toContain(link);

    expect((await call('POST', `/api/v1/email-verifications/${link}`)).json()).toEqual({ ok: true });
    expect((await call('GET', '/api/v1/me', undefined, token)).json()).toMatchObject({
      email: 'ann@example.com',
      emailVerified: true,
    });
    const again = await call('POST', `/api/v1/email-verifications/${link}`);
    expect([again.statusCode, again.json().error.code]).toEqual([410, 'gone']);
    // The request log names the route with the token cut out.
    expect(captured.text()).toContain('"path":"/api/v1/email-verifications/[redacted]"');
    expect(captured.text()).not.toContain(link);
  });

  it('changes the address (unverified until its link is followed) and refuses one another account has', async () => {
    await signUp('ann', 'ann@example.com');
    const { token } = await signUp('bob');
    const before = await t.snapshot();
    const taken = await call('POST', '/api/v1/me/email', { email: 'ANN@example.com' }, token);
    expect([taken.statusCode, taken.json().error.code]).toEqual([409, 'email_taken']);
    expect(await t.snapshot()).toEqual(before);

    const changed = await call('POST', '/api/v1/me/email', { email: 'bob@example.com' }, token);
    expect(changed.json()).toMatchObject({ email: 'bob@example.com', emailVerified: false });
    await waitForLink(mails, 'bob@example.com', 'verify-email');
  });

  it('answers a reset request for a known and an unknown address identically', async () => {
    await signUp('ann', 'ann@example.com');
    const known = await call('POST', '/api/v1/password-resets', { email: 'ann@example.com' });
    const unknown = await call('POST', '/api/v1/password-resets', { email: 'nobody@example.com' });
    const shape = (r: typeof known) => ({
      status: r.statusCode,
      body: r.body,
      headers: Object.keys(r.headers).sort(),
    });
    expect(shape(known)).toEqual(shape(unknown));
    expect(shape(known)).toMatchObject({ status: 202, body: '{"ok":true}' });
    await waitForLink(mails, 'ann@example.com', 'reset-password');
    expect((await mails()).some((m) => JSON.stringify(m.to).includes('nobody@'))).toBe(false);
  });

  it('resets the password through the mailed link once, ending every session', async () => {
    const { token } = await signUp('ann', 'ann@example.com');
    const other = await logIn('ann');
    await call('POST', '/api/v1/password-resets', { email: 'ann@example.com' });
    const link = await waitForLink(mails, 'ann@example.com', 'reset-password');
    const reset = await call('POST', `/api/v1/password-resets/${link}`, { password: 'a brand new one' });
    expect([reset.statusCode, reset.json()]).toEqual([200, { ok: true }]);
    expect([await status(token), await status(other)]).toEqual([401, 401]);
    expect(await status(await logIn('ann', 'a brand new one'))).toBe(200);
    const again = await call('POST', `/api/v1/password-resets/${link}`, { password: 'a third password' });
    expect([again.statusCode, again.json().error.code]).toEqual([410, 'gone']);
  });

  it('changes the password with the current one (403 otherwise), keeping only the caller signed in', async () => {
    const { token } = await signUp('ann');
    const other = await logIn('ann');
    const wrong = await call(
      'POST',
      '/api/v1/me/password',
      { currentPassword: 'nope', newPassword: 'a new password' },
      token,
    );
    expect([wrong.statusCode, wrong.json().error.code]).toEqual([403, 'forbidden']);
    expect(await status(other)).toBe(200);
    const ok = await call(
      'POST',
      '/api/v1/me/password',
      { currentPassword: PASSWORD, newPassword: 'a new password' },
      token,
    );
    expect(ok.statusCode).toBe(200);
    expect([await status(token), await status(other)]).toEqual([200, 401]);
  });

  it('lists devices by client and ends one at once; another user’s session is a 404', async () => {
    const { token } = await signUp('ann', undefined, FIREFOX);
    const phone = await logIn('ann', PASSWORD, 'Phone\u0001App/1.0 ' + 'x'.repeat(400));
    const list = (await call('GET', '/api/v1/me/sessions', undefined, token)).json<{
      items: Array<{ id: string; client: string; current: boolean; createdAt: string; lastUsedAt: string }>;
    }>();
    expect(list.items.map((s) => s.current)).toEqual([false, true]);
    expect(list.items[1]!.client).toBe(FIREFOX);
    expect(list.items[0]!.client).toMatch(/^Phone App\/1\.0 x+$/);
    expect(list.items[0]!.client).toHaveLength(200);

    const bob = await signUp('bob');
    const foreign = await call('DELETE', `/api/v1/me/sessions/${list.items[0]!.id}`, undefined, bob.token);
    expect(foreign.statusCode).toBe(404);
    expect(await status(phone)).toBe(200);
    const ended = await call('DELETE', `/api/v1/me/sessions/${list.items[0]!.id}`, undefined, token);
    expect(ended.statusCode).toBe(200);
    expect(await status(phone)).toBe(401);
  });

  it('refuses bad input with 400, changing nothing', async () => {
    const { token } = await signUp('ann', 'ann@example.com');
    await waitForLink(mails, 'ann@example.com', 'verify-email');
    const before = await t.snapshot();
    const bad: Array<['POST' | 'DELETE', string, object | undefined, string | undefined]> = [
      [
        'POST',
        '/api/v1/accounts',
        { username: 'bob', password: PASSWORD, email: 'not an address' },
        undefined,
      ],
      ['POST', '/api/v1/me/email', { email: 'a@b.c\u0000' }, token],
      ['POST', '/api/v1/me/email', {}, token],
      ['POST', '/api/v1/email-verifications/short', undefined, undefined],
      ['POST', '/api/v1/password-resets', { email: 42 }, undefined],
      ['POST', `/api/v1/password-resets/${'a'.repeat(43)}`, { password: 'short' }, undefined],
      ['POST', `/api/v1/password-resets/${'a'.repeat(42)}!`, { password: 'long enough really' }, undefined],
      ['POST', '/api/v1/me/password', { currentPassword: PASSWORD }, token],
      ['POST', '/api/v1/me/password', { currentPassword: PASSWORD, newPassword: 'x\u0007yyyyyyyy' }, token],
      ['DELETE', '/api/v1/me/sessions/not-an-id', undefined, token],
    ];
    for (const [method, url, payload, auth] of bad) {
      const res = await call(method, url, payload, auth);
      expect([url, res.statusCode]).toEqual([url, 400]);
    }
    const unknownLink = await call('POST', `/api/v1/email-verifications/${'a'.repeat(43)}`);
    expect(unknownLink.statusCode).toBe(410);
    expect(await t.snapshot()).toEqual(before);
    expect(await status(token)).toBe(200);
  });
});
