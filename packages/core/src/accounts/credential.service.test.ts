import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OutgoingMail } from '@graminsta/platform';
import { emailTokens, users } from '../db/schema.ts';
import type { JobQueue } from '../jobs/jobs.ts';
import { databaseLimiterStore } from '../limits/limiter-store.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { AccountServiceImpl } from './account.service.ts';
import { CredentialServiceImpl, type CredentialServiceDeps } from './credential.service.ts';
import { MailRequests } from './mail-requests.ts';

const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };
const blobs = { publicUrl: (key: string) => `https://cdn.test/${key}` };
const ctx = { ip: '10.0.0.1', client: 'Firefox\u0000 on\tLinux' };
const PASSWORD = 'correct horse battery';
const MINUTE = 60_000;

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (err: { code?: string }) => err.code ?? String(err),
  );

describe('CredentialService', () => {
  let t: TestDatabase;
  let clock: Date;
  let jobs: Array<{ userId: string; purpose: 'verify' | 'reset' }>;
  let sent: OutgoingMail[];
  let accounts: AccountServiceImpl;
  let creds: CredentialServiceImpl;

  const make = (extra: Partial<CredentialServiceDeps> = {}) => {
    const queue = {
      enqueue: async (_name: string, payload: { userId: string; purpose: 'verify' | 'reset' }) =>
        void jobs.push(payload),
    } as unknown as JobQueue;
    const mails = new MailRequests(queue);
    const now = () => clock;
    accounts = new AccountServiceImpl({ db: t.database.db, blobs, scrypt: FAST_SCRYPT, now, mails });
    creds = new CredentialServiceImpl({
      db: t.database.db,
      mailer: { send: async (mail) => void sent.push(mail) },
      mails,
      webUrl: () => 'https://web.test/',
      limiterStore: null,
      resetRequestFloorMs: 0,
      scrypt: FAST_SCRYPT,
      now,
      ...extra,
    });
  };
  /** Runs the queued mail jobs, as the worker would, and answers the tokens of the links sent. */
  const deliverAll = async () => {
    const before = sent.length;
    for (const job of jobs.splice(0)) await creds.deliver(job);
    return sent
      .slice(before)
      .map((m) => /\/(?:verify-email|reset-password)\/([\w-]{43})\n/.exec(m.text)![1]!);
  };
  const signUp = (username: string, email?: string) =>
    accounts.signUp({ username, password: PASSWORD, ...(email && { email }) }, ctx);

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.reset();
    clock = new Date('2026-03-01T12:00:00Z');
    jobs = [];
    sent = [];
    make();
  });

  it('mails a verification link at sign-up that verifies once; the table never holds the token', async () => {
    const { user } = await signUp('ann', 'Ann@Example.com');
    expect(user).toMatchObject({ email: 'Ann@Example.com', emailVerified: false });
    const [token] = await deliverAll();
    expect(sent[0]).toMatchObject({ to: 'Ann@Example.com', subject: expect.stringMatching(/confirm/i) });
    expect(sent[0]!.text).toContain(`https://web.test/verify-email/${token}\n`);
    expect(sent[0]!.html).toContain(`https://web.test/verify-email/${token}`);
    expect(JSON.stringify(await t.database.db.select().from(emailTokens))).not.toContain(token!);

    await creds.verifyEmail(token!);
    expect(await accounts.getMe(user.id)).toMatchObject({ emailVerified: true });
    expect(await codeOf(creds.verifyEmail(token!))).toBe('gone');
  });

  it('refuses an expired verification link, and one for an address the account no longer has', async () => {
    await signUp('ann', 'ann@example.com');
    const [first] = await deliverAll();
    clock = new Date(clock.getTime() + 24 * 60 * MINUTE + 1);
    expect(await codeOf(creds.verifyEmail(first!))).toBe('gone');

    const { user } = await signUp('bob', 'bob@example.com');
    const [old] = await deliverAll();
    await creds.changeEmail(user.id, 'bob@elsewhere.example');
    expect(await codeOf(creds.verifyEmail(old!))).toBe('gone');
    const [fresh] = await deliverAll();
    await creds.verifyEmail(fresh!);
    expect(await accounts.getMe(user.id)).toMatchObject({
      email: 'bob@elsewhere.example',
      emailVerified: true,
    });
  });

  it('refuses an address another account has, in any case, changing nothing', async () => {
    await signUp('ann', 'ann@example.com');
    expect(await codeOf(signUp('bob', 'ANN@example.com'))).toBe('email_taken');
    const { user } = await signUp('cid');
    jobs = [];
    const before = await t.database.db.select().from(users);
    expect(await codeOf(creds.changeEmail(user.id, 'Ann@Example.COM'))).toBe('email_taken');
    expect(await t.database.db.select().from(users)).toEqual(before);
    expect(jobs).toEqual([]);
  });

  it('mails a reset link for a known address only, answering alike; the link sets the password once and ends every session', async () => {
    const { user, token: session1 } = await signUp('ann', 'ann@example.com');
    const session2 = (await accounts.logIn({ username: 'ann', password: PASSWORD }, ctx)).token;
    await deliverAll();
    expect(await creds.requestPasswordReset('nobody@example.com', ctx)).toBeUndefined();
    expect(jobs).toEqual([]);
    expect(await creds.requestPasswordReset('ANN@example.com', ctx)).toBeUndefined();
    expect(jobs).toEqual([{ userId: user.id, purpose: 'reset' }]);
    const [reset] = await deliverAll();
    expect(sent.at(-1)!.text).toContain('30 minutes');

    await creds.resetPassword(reset!, 'a new password');
    expect(await accounts.authenticate(session1)).toBeNull();
    expect(await accounts.authenticate(session2)).toBeNull();
    expect(await codeOf(accounts.logIn({ username: 'ann', password: PASSWORD }, ctx))).toBe(
      'unauthenticated',
    );
    expect((await accounts.logIn({ username: 'ann', password: 'a new password' }, ctx)).user.id).toBe(
      user.id,
    );
    expect(await codeOf(creds.resetPassword(reset!, 'yet another one'))).toBe('gone');
  });

  it('lets exactly one of two racing requests spend a reset link', async () => {
    await signUp('ann', 'ann@example.com');
    jobs = [];
    await creds.requestPasswordReset('ann@example.com', ctx);
    const [token] = await deliverAll();
    const outcomes = await Promise.all([
      codeOf(creds.resetPassword(token!, 'first new password')),
      codeOf(creds.resetPassword(token!, 'second new password')),
    ]);
    expect(outcomes.sort()).toEqual(['gone', 'ok']);
  });

  it('refuses a reset link after 30 minutes, and older links once one is used', async () => {
    await signUp('ann', 'ann@example.com');
    jobs = [];
    await creds.requestPasswordReset('ann@example.com', ctx);
    const [expired] = await deliverAll();
    clock = new Date(clock.getTime() + 30 * MINUTE + 1);
    expect(await codeOf(creds.resetPassword(expired!, 'a new password'))).toBe('gone');

    await creds.requestPasswordReset('ann@example.com', ctx);
    await creds.requestPasswordReset('ann@example.com', ctx);
    const [older, newer] = await deliverAll();
    await creds.resetPassword(newer!, 'a new password');
    expect(await codeOf(creds.resetPassword(older!, 'an old link'))).toBe('gone');
  });

  it('answers every reset request after the same floor, known address or not, and mails an address a few times an hour at most', async () => {
    make({
      limiterStore: databaseLimiterStore(t.database.db),
      resetMailsPerHour: 2,
      resetRequestFloorMs: 150,
    });
    await signUp('ann', 'ann@example.com');
    jobs = [];
    for (const email of ['ann@example.com', 'nobody@example.com']) {
      const started = performance.now();
      await creds.requestPasswordReset(email, ctx);
      expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    }
    await creds.requestPasswordReset('Ann@example.com', ctx);
    await creds.requestPasswordReset('ann@example.com', ctx);
    expect(jobs).toHaveLength(2);
  });

  it('changes the password only with the current one, ending every other session', async () => {
    const { user, token: mine } = await signUp('ann');
    const other = (await accounts.logIn({ username: 'ann', password: PASSWORD }, ctx)).token;
    const before = await t.database.db.select().from(users);
    const wrong = { currentPassword: 'not my password', newPassword: 'a new password' };
    expect(await codeOf(creds.changePassword(user.id, mine, wrong))).toBe('forbidden');
    expect(await t.database.db.select().from(users)).toEqual(before);
    expect(await accounts.authenticate(other)).toBe(user.id);

    await creds.changePassword(user.id, mine, { currentPassword: PASSWORD, newPassword: 'a new password' });
    expect(await accounts.authenticate(mine)).toBe(user.id);
    expect(await accounts.authenticate(other)).toBeNull();
    expect((await accounts.logIn({ username: 'ann', password: 'a new password' }, ctx)).user.id).toBe(
      user.id,
    );
  });

  it('lists devices with their client and marks the current one; ending one stops it at once', async () => {
    const { user, token: mine } = await signUp('ann');
    clock = new Date(clock.getTime() + MINUTE);
    const phone = (
      await accounts.logIn({ username: 'ann', password: PASSWORD }, { ip: '10.0.0.2', client: 'Phone' })
    ).token;
    const { items } = await creds.listSessions(user.id, mine);
    expect(items.map((s) => [s.client, s.current])).toEqual([
      ['Phone', false],
      ['Firefox on Linux', true],
    ]);
    const bob = await signUp('bob');
    expect(await codeOf(creds.endSession(bob.user.id, items[0]!.id))).toBe('not_found');
    expect(await accounts.authenticate(phone)).toBe(user.id);
    await creds.endSession(user.id, items[0]!.id);
    expect(await accounts.authenticate(phone)).toBeNull();
    expect((await creds.listSessions(user.id, mine)).items).toHaveLength(1);
  });

  it('records the last use of a session at most once a minute', async () => {
    const { user, token } = await signUp('ann');
    const lastUsed = async () => (await creds.listSessions(user.id, token)).items[0]!.lastUsedAt;
    const start = clock.toISOString();
    clock = new Date(clock.getTime() + 30_000);
    await accounts.authenticate(token);
    expect(await lastUsed()).toBe(start);
    clock = new Date(clock.getTime() + 31_000);
    await accounts.authenticate(token);
    expect(await lastUsed()).toBe(clock.toISOString());
  });

  it('mails nothing to an account that no longer needs it, and keeps no token when the send fails', async () => {
    const { user } = await signUp('ann', 'ann@example.com');
    await deliverAll();
    const [token] = [sent[0]!.text.match(/verify-email\/([\w-]{43})/)![1]!];
    await creds.verifyEmail(token);
    await creds.deliver({ userId: user.id, purpose: 'verify' });
    expect(sent).toHaveLength(1);

    make({ mailer: { send: async () => Promise.reject(new Error('relay down')) } });
    const before = await t.database.db.select().from(emailTokens);
    await expect(creds.deliver({ userId: user.id, purpose: 'reset' })).rejects.toThrow('relay down');
    expect(await t.database.db.select().from(emailTokens)).toEqual(before);
  });
});
