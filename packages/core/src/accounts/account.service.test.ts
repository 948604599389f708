import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { count, sql } from 'drizzle-orm';
import { sessions, users } from '../db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { insertPost } from '../testing/posts.ts';
import { DEFAULT_LIMITS, type LoginThrottleSettings } from '../limits/limit-settings.ts';
import { databaseLimiterStore } from '../limits/limiter-store.ts';
import { RateLimitedError } from '../limits/rate-limits.ts';
import { AccountServiceImpl, hashToken, type AccountServiceDeps } from './account.service.ts';
import { LoginThrottle } from './login-throttle.ts';

const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };
const blobs = { publicUrl: (key: string) => `https://cdn.test/${key}` };
const ctx = { ip: '10.0.0.1' };

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (err: { code?: string }) => err.code ?? String(err),
  );

describe('AccountService', () => {
  let t: TestDatabase;
  let clock: Date;
  const make = (extra: Partial<AccountServiceDeps> = {}) =>
    new AccountServiceImpl({ db: t.database.db, blobs, scrypt: FAST_SCRYPT, now: () => clock, ...extra });

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.reset();
    clock = new Date('2026-03-01T12:00:00Z');
  });

  it('signs up and logs in, each giving a working token', async () => {
    const accounts = make();
    const signedUp = await accounts.signUp(
      { username: 'Alice', password: 'correct horse', displayName: ' Al ' },
      ctx,
    );
    expect(signedUp.user).toMatchObject({ username: 'Alice', displayName: 'Al', followerCount: 0 });
    expect(await accounts.authenticate(signedUp.token)).toBe(signedUp.user.id);

    const loggedIn = await accounts.logIn({ username: 'alice', password: 'correct horse' }, ctx);
    expect(loggedIn.user.id).toBe(signedUp.user.id);
    expect(loggedIn.token).not.toBe(signedUp.token);
    expect(await accounts.authenticate(loggedIn.token)).toBe(signedUp.user.id);
    expect(await accounts.getMe(signedUp.user.id)).toMatchObject({ username: 'Alice', bio: '' });
  });

  it('refuses a username taken in another case, leaving one row, even when racing', async () => {
    const accounts = make();
    await accounts.signUp({ username: 'Bob.Smith', password: 'password1' }, ctx);
    expect(await codeOf(accounts.signUp({ username: 'bob.smith', password: 'password2' }, ctx))).toBe(
      'username_taken',
    );

    const race = await Promise.all(
      ['Carol', 'carol', 'CAROL', 'cArOl'].map((username) =>
        codeOf(accounts.signUp({ username, password: 'pw123456' }, ctx)),
      ),
    );
    expect(race.filter((r) => r === 'ok')).toHaveLength(1);
    expect(race.filter((r) => r === 'username_taken')).toHaveLength(3);
    const [row] = await t.database.db.select({ n: count() }).from(users);
    expect(row!.n).toBe(2);
    const [sessionRows] = await t.database.db.select({ n: count() }).from(sessions);
    expect(sessionRows!.n).toBe(2);
  });

  it('refuses an invalid username even without route validation', async () => {
    expect(await codeOf(make().signUp({ username: 'no spaces', password: 'password1' }, ctx))).toBe(
      'validation_failed',
    );
  });

  it('answers a wrong password and an unknown user alike', async () => {
    const accounts = make();
    await accounts.signUp({ username: 'dave', password: 'right password' }, ctx);
    const wrong = await accounts
      .logIn({ username: 'dave', password: 'wrong password' }, ctx)
      .catch((e: unknown) => e);
    const unknown = await accounts
      .logIn({ username: 'nobody', password: 'whatever1' }, ctx)
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'unauthenticated', message: 'wrong username or password' });
    expect(unknown).toMatchObject({ code: 'unauthenticated', message: 'wrong username or password' });
  });

  it('stores only a hash of the token', async () => {
    const { token } = await make().signUp({ username: 'erin', password: 'password1' }, ctx);
    const rows = await t.database.db.select().from(sessions);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows[0]!.tokenHash).toBe(hashToken(token));
    const [user] = await t.database.db.select().from(users);
    expect(user!.passwordHash).not.toContain('password1');
  });

  it('rejects expired, revoked and malformed tokens', async () => {
    const accounts = make();
    const { token, user } = await accounts.signUp({ username: 'frank', password: 'password1' }, ctx);
    clock = new Date(clock.getTime() + 30 * 24 * 3600 * 1000 - 1000);
    expect(await accounts.authenticate(token)).toBe(user.id);
    clock = new Date(clock.getTime() + 2000);
    expect(await accounts.authenticate(token)).toBeNull();

    const second = await accounts.logIn({ username: 'frank', password: 'password1' }, ctx);
    expect(await accounts.authenticate(second.token)).toBe(user.id);
    await accounts.logOut(second.token);
    expect(await accounts.authenticate(second.token)).toBeNull();
    expect(await accounts.authenticate('not a token')).toBeNull();
    expect(
      await accounts.authenticate(second.token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))),
    ).toBeNull();
  });

  describe('log-in throttling', () => {
    const throttled = (login: Partial<LoginThrottleSettings> = {}) =>
      make({
        loginThrottle: new LoginThrottle(databaseLimiterStore(t.database.db), {
          ...DEFAULT_LIMITS.login,
          ...login,
        }),
      });
    const attacker = { ip: '203.0.113.66' };
    const owner = { ip: '198.51.100.7' };

    afterEach(() => vi.useRealTimers());

    it("never refuses the owner's correct password from another address, whatever an attacker tried", async () => {
      const accounts = throttled();
      await accounts.signUp({ username: 'gina', password: 'password1' }, ctx);
      const answers: string[] = [];
      for (let i = 0; i < 50; i++) {
        answers.push(await codeOf(accounts.logIn({ username: 'gina', password: `guess${i}` }, attacker)));
      }
      // The attacker is slowed: five wrong guesses, then nothing but 429s.
      expect(answers.filter((a) => a === 'unauthenticated')).toHaveLength(5);
      expect(answers.slice(5).every((a) => a === 'rate_limited')).toBe(true);
      expect(await codeOf(accounts.logIn({ username: 'gina', password: 'password1' }, owner))).toBe('ok');
      // Even the right password waits on the attacker's address.
      expect(await codeOf(accounts.logIn({ username: 'gina', password: 'password1' }, attacker))).toBe(
        'rate_limited',
      );
    });

    it('makes each wait longer than the last for one account from one address', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-03-01T12:00:00Z'));
      const accounts = throttled();
      await accounts.signUp({ username: 'hank', password: 'password1' }, ctx);
      const waits: number[] = [];
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 5; i++) {
          const attempt = accounts.logIn({ username: 'hank', password: 'nope' }, attacker);
          expect(await codeOf(attempt)).toBe('unauthenticated');
        }
        const refused = await accounts
          .logIn({ username: 'hank', password: 'nope' }, attacker)
          .catch((e) => e);
        expect(refused).toBeInstanceOf(RateLimitedError);
        waits.push((refused as RateLimitedError).retryAfterSeconds);
        vi.setSystemTime(Date.now() + waits.at(-1)! * 1000 + 1000);
      }
      expect(waits).toEqual([60, 120, 240]);
      // The right password after the wait starts the pair afresh: the next block is a short one again.
      expect(await codeOf(accounts.logIn({ username: 'hank', password: 'password1' }, attacker))).toBe('ok');
    });

    it('limits failures per address across accounts, and shares counts between instances', async () => {
      const accounts = throttled({ failuresPerAddress: 4 });
      await accounts.signUp({ username: 'ivy', password: 'password1' }, ctx);
      for (const username of ['ivy', 'zed', 'ivy.2', 'quinn']) {
        expect(await codeOf(accounts.logIn({ username, password: 'nope' }, attacker))).toBe(
          'unauthenticated',
        );
      }
      // Another instance on the same database sees the same counts.
      const other = throttled({ failuresPerAddress: 4 });
      expect(await codeOf(other.logIn({ username: 'ivy', password: 'password1' }, attacker))).toBe(
        'rate_limited',
      );
      expect(await codeOf(other.logIn({ username: 'ivy', password: 'password1' }, owner))).toBe('ok');
    });

    it('lets housekeeping delete counters once they expire, and only then', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-03-01T12:00:00Z'));
      const accounts = throttled();
      expect(await codeOf(accounts.logIn({ username: 'nobody', password: 'nope' }, attacker))).toBe(
        'unauthenticated',
      );
      expect((await accounts.pruneExpired()).rateLimits).toBe(0);
      vi.setSystemTime(Date.now() + DEFAULT_LIMITS.login.addressWindowSec * 1000 + 1000);
      expect((await accounts.pruneExpired()).rateLimits).toBe(2);
    });

    it("does not count the owner's own successful log-ins", async () => {
      const accounts = throttled({ failuresInARow: 2 });
      await accounts.signUp({ username: 'kim', password: 'password1' }, ctx);
      for (let i = 0; i < 4; i++) {
        expect(await codeOf(accounts.logIn({ username: 'kim', password: 'wrong' }, owner))).toBe(
          'unauthenticated',
        );
        expect(await codeOf(accounts.logIn({ username: 'kim', password: 'password1' }, owner))).toBe('ok');
      }
    });
  });

  it('edits the profile and sets the avatar only from an own ready photo', async () => {
    const accounts = make();
    const me = (await accounts.signUp({ username: 'lena', password: 'password1' }, ctx)).user;
    const other = (await accounts.signUp({ username: 'moe', password: 'password1' }, ctx)).user;
    const variants = { thumb: { key: 'v/abc-thumb.webp', width: 150, height: 150 } };
    const db = t.database.db;
    const ready = { id: await insertPost(db, { ownerId: me.id, status: 'ready', variants }) };
    const processing = { id: await insertPost(db, { ownerId: me.id }) };
    const foreign = { id: await insertPost(db, { ownerId: other.id, status: 'ready', variants }) };

    const edited = await accounts.updateMe(me.id, {
      displayName: 'Lena K',
      bio: 'hello',
      avatarPhotoId: ready!.id,
    });
    expect(edited).toMatchObject({
      displayName: 'Lena K',
      bio: 'hello',
      avatarUrl: 'https://cdn.test/v/abc-thumb.webp',
    });

    for (const photo of [processing!, foreign!, { id: '123' }]) {
      const attempt = accounts.updateMe(me.id, { bio: 'changed', avatarPhotoId: photo.id });
      expect(await codeOf(attempt)).toBe('bad_request');
    }
    expect(await accounts.getMe(me.id)).toMatchObject({
      bio: 'hello',
      avatarUrl: 'https://cdn.test/v/abc-thumb.webp',
    });

    expect((await accounts.updateMe(me.id, { avatarPhotoId: null })).avatarUrl).toBeNull();
    const [row] = await t.database.db
      .select({ photo: users.avatarPhotoId })
      .from(users)
      .where(sql`${users.id} = ${me.id}`);
    expect(row!.photo).toBeNull();
  });
});
