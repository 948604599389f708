import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { count, sql } from 'drizzle-orm';
import { photos, sessions, users } from '../db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { AccountServiceImpl, hashToken, type AccountServiceDeps } from './account.service.ts';

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

  it('limits failed log-ins per username, whatever the IP, until the window ends', async () => {
    const accounts = make({ loginLimits: { perUsername: 3, perIp: 100 } });
    await accounts.signUp({ username: 'gina', password: 'password1' }, ctx);
    await accounts.signUp({ username: 'hank', password: 'password1' }, ctx);
    for (let i = 0; i < 3; i++) {
      const attempt = accounts.logIn({ username: 'GINA', password: 'guess' }, { ip: `10.1.0.${i}` });
      expect(await codeOf(attempt)).toBe('unauthenticated');
    }
    expect(
      await codeOf(accounts.logIn({ username: 'gina', password: 'password1' }, { ip: '10.1.1.1' })),
    ).toBe('rate_limited');
    // Another account, from another address, is not affected.
    expect(
      await codeOf(accounts.logIn({ username: 'hank', password: 'password1' }, { ip: '10.2.0.1' })),
    ).toBe('ok');
    // A second instance shares the counters: they live in the database.
    expect(
      await codeOf(
        make({ loginLimits: { perUsername: 3 } }).logIn(
          { username: 'gina', password: 'password1' },
          { ip: '10.3.0.1' },
        ),
      ),
    ).toBe('rate_limited');
    clock = new Date(clock.getTime() + 5 * 60 * 1000);
    expect(
      await codeOf(accounts.logIn({ username: 'gina', password: 'password1' }, { ip: '10.1.1.1' })),
    ).toBe('ok');
  });

  it('limits attempts per IP, successful ones included', async () => {
    const accounts = make({ loginLimits: { perUsername: 100, perIp: 4 } });
    await accounts.signUp({ username: 'ivy', password: 'password1' }, ctx);
    await accounts.signUp({ username: 'jack', password: 'password1' }, ctx);
    const from = { ip: '192.0.2.7' };
    expect(await codeOf(accounts.logIn({ username: 'ivy', password: 'nope' }, from))).toBe('unauthenticated');
    expect(await codeOf(accounts.logIn({ username: 'zed', password: 'nope' }, from))).toBe('unauthenticated');
    expect(await codeOf(accounts.logIn({ username: 'jack', password: 'nope' }, from))).toBe(
      'unauthenticated',
    );
    expect(await codeOf(accounts.logIn({ username: 'ivy', password: 'password1' }, from))).toBe('ok');
    expect(await codeOf(accounts.logIn({ username: 'jack', password: 'password1' }, from))).toBe(
      'rate_limited',
    );
    expect(
      await codeOf(accounts.logIn({ username: 'jack', password: 'password1' }, { ip: '192.0.2.8' })),
    ).toBe('ok');
  });

  it("lets a user's own successful log-ins not use up their username limit", async () => {
    const accounts = make({ loginLimits: { perUsername: 2, perIp: 100 } });
    await accounts.signUp({ username: 'kim', password: 'password1' }, ctx);
    for (let i = 0; i < 4; i++) {
      expect(await codeOf(accounts.logIn({ username: 'kim', password: 'password1' }, ctx))).toBe('ok');
    }
  });

  it('edits the profile and sets the avatar only from an own ready photo', async () => {
    const accounts = make();
    const me = (await accounts.signUp({ username: 'lena', password: 'password1' }, ctx)).user;
    const other = (await accounts.signUp({ username: 'moe', password: 'password1' }, ctx)).user;
    const variants = { thumb: { key: 'v/abc-thumb.webp', width: 150, height: 150 } };
    const [ready, processing, foreign] = await t.database.db
      .insert(photos)
      .values([
        { ownerId: me.id, sourceKey: 's/1', status: 'ready', variants },
        { ownerId: me.id, sourceKey: 's/2' },
        { ownerId: other.id, sourceKey: 's/3', status: 'ready', variants },
      ])
      .returning({ id: photos.id });

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
