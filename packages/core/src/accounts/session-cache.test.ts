import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  LocalDiskBlobStore,
  MemoryPubSub,
  MemoryQueue,
  PostgresPubSub,
  type Json,
  type OutgoingMail,
} from '@graminsta/platform';
import { createServices } from '../create-services.ts';
import type { JobQueue } from '../jobs/jobs.ts';
import type { Services } from '../services.ts';
import { createTestDatabase, TEST_PG_ADMIN_URL, type TestDatabase } from '../testing/test-db.ts';
import { SESSIONS_REVOKED, SessionCache } from './session-cache.ts';

const WAIT = { timeout: 10_000, interval: 20 };
const PASSWORD = 'correct horse battery';
const ctx = { ip: '10.0.0.1' };

/**
 * Two API processes on one database: each has its own services and its own PostgresPubSub
 * connection (one PostgreSQL channel between them), as `compose` makes them at stages 2–5.
 */
describe('sessions cached in process, revoked across processes', () => {
  let t: TestDatabase;
  let folder: string;
  let pgChannel: string;
  let a: Process;
  let b: Process;
  const buses: PostgresPubSub[] = [];
  /** Statements run, by prepared statement name ('other' when unnamed). */
  const ran = new Map<string, number>();
  const mails: OutgoingMail[] = [];

  interface Process {
    services: Services;
    /** Revocations this process has heard, seen after its own session cache has acted on them. */
    heard: Json[];
    listenToo(): Promise<void>;
  }

  function startProcess(): Process {
    const bus = new PostgresPubSub({ url: TEST_PG_ADMIN_URL, pgChannel });
    buses.push(bus);
    const heard: Json[] = [];
    const services = createServices({
      db: t.database.db,
      blobs: new LocalDiskBlobStore({
        dir: folder,
        publicBaseUrl: 'http://storage.test',
        secret: 'x'.repeat(32),
      }),
      queue: new MemoryQueue() as unknown as JobQueue,
      pubsub: bus,
      maxImagePixels: 1e6,
      limits: null,
      mailer: { send: async (mail) => void mails.push(mail) },
      webUrl: () => 'https://web.test/',
    });
    return {
      services,
      heard,
      // Handlers run in the order they subscribed: this one hears a message after the cache did.
      listenToo: async () => void (await bus.subscribe(SESSIONS_REVOKED, (m) => void heard.push(m))),
    };
  }

  const total = () => [...ran.values()].reduce((n, v) => n + v, 0);
  const queriesOf = async (fn: () => Promise<unknown>) => {
    const before = total();
    await fn();
    return total() - before;
  };

  /** Authenticates until the process answers from memory: its cache listens and holds the token. */
  async function cachedIn(p: Process, token: string, userId: string): Promise<void> {
    await vi.waitFor(async () => {
      let answer: string | null = null;
      expect(await queriesOf(async () => (answer = await p.services.accounts.authenticate(token)))).toBe(0);
      expect(answer).toBe(userId);
    }, WAIT);
  }

  /** Waits until `p` has heard `n` revocations in all; its cache acted on each before. */
  const hears = (p: Process, n: number) => vi.waitFor(() => expect(p.heard).toHaveLength(n), WAIT);

  async function signUp(username: string, email?: string) {
    const { user, token } = await a.services.accounts.signUp(
      { username, password: PASSWORD, ...(email && { email }) },
      ctx,
    );
    return { id: user.id, token };
  }

  beforeAll(async () => {
    t = await createTestDatabase({
      onQuery: (_s, _ok, statement) => void ran.set(statement, (ran.get(statement) ?? 0) + 1),
    });
    folder = await mkdtemp(join(tmpdir(), 'graminsta-sessions-'));
  });
  afterAll(async () => {
    await t.close();
    await rm(folder, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await t.reset();
    pgChannel = `graminsta_test_${Math.random().toString(36).slice(2)}`;
    a = startProcess();
    b = startProcess();
  });
  afterEach(async () => {
    for (const bus of buses.splice(0)) await bus.close();
  });

  it('serves a cached session without a session query, and a log-out on one process ends it on both', async () => {
    const ann = await signUp('ann');
    await cachedIn(a, ann.token, ann.id);
    await cachedIn(b, ann.token, ann.id);
    const sessionQueries = ran.get('session_live') ?? 0;
    for (let i = 0; i < 5; i++) expect(await b.services.accounts.authenticate(ann.token)).toBe(ann.id);
    expect(ran.get('session_live')).toBe(sessionQueries);
    await b.listenToo();

    await a.services.accounts.logOut(ann.token);
    // The process that ended it needs no message.
    expect(await a.services.accounts.authenticate(ann.token)).toBeNull();
    await hears(b, 1);
    expect(await b.services.accounts.authenticate(ann.token)).toBeNull();
    expect(b.heard).toEqual([{ userId: ann.id, sessionId: expect.any(String) }]);
  });

  it('ends one device on both processes, and only that one', async () => {
    const ann = await signUp('ann');
    const phone = (await a.services.accounts.logIn({ username: 'ann', password: PASSWORD }, ctx)).token;
    for (const token of [ann.token, phone]) await cachedIn(b, token, ann.id);
    await b.listenToo();
    const device = (await a.services.credentials.listSessions(ann.id, ann.token)).items.find(
      (s) => !s.current,
    )!;

    await a.services.credentials.endSession(ann.id, device.id);
    await hears(b, 1);
    expect(await b.services.accounts.authenticate(phone)).toBeNull();
    expect(await queriesOf(() => b.services.accounts.authenticate(ann.token))).toBe(0);
    expect(await b.services.accounts.authenticate(ann.token)).toBe(ann.id);
  });

  it("a password change ends the other sessions everywhere and keeps the caller's", async () => {
    const ann = await signUp('ann');
    const other = (await a.services.accounts.logIn({ username: 'ann', password: PASSWORD }, ctx)).token;
    for (const token of [ann.token, other]) await cachedIn(b, token, ann.id);
    await b.listenToo();

    await a.services.credentials.changePassword(ann.id, ann.token, {
      currentPassword: PASSWORD,
      newPassword: 'a new password',
    });
    expect(await a.services.accounts.authenticate(other)).toBeNull();
    await hears(b, 1);
    expect(await b.services.accounts.authenticate(other)).toBeNull();
    expect(await queriesOf(() => b.services.accounts.authenticate(ann.token))).toBe(0);
    expect(await b.services.accounts.authenticate(ann.token)).toBe(ann.id);
  });

  it('a password reset ends every session everywhere', async () => {
    const ann = await signUp('ann', 'ann@example.com');
    await cachedIn(b, ann.token, ann.id);
    await b.listenToo();
    await a.services.credentials.deliver({ userId: ann.id, purpose: 'reset' });
    const token = /\/reset-password\/([\w-]{43})\n/.exec(mails.at(-1)!.text)![1]!;

    await a.services.credentials.resetPassword(token, 'a new password');
    await hears(b, 1);
    expect(await b.services.accounts.authenticate(ann.token)).toBeNull();
  });

  it("a suspension ends the account's sessions everywhere", async () => {
    const ann = await signUp('ann');
    const bob = await signUp('bob');
    const mod = await signUp('mod');
    await a.services.moderation.setRole('mod', 'moderator');
    const report = await a.services.reports.create(bob.id, {
      target: { type: 'user', id: ann.id },
      reason: 'spam',
    });
    await cachedIn(b, ann.token, ann.id);
    await cachedIn(b, bob.token, bob.id);
    await b.listenToo();

    await a.services.moderation.resolve(mod.id, report.id, { action: 'suspend' });
    await hears(b, 1);
    expect(await b.services.accounts.authenticate(ann.token)).toBeNull();
    expect(await queriesOf(() => b.services.accounts.authenticate(bob.token))).toBe(0);
  });

  it('deleting an account ends its sessions everywhere', async () => {
    const ann = await signUp('ann');
    await cachedIn(b, ann.token, ann.id);
    await b.listenToo();

    await a.services.accountData.deleteAccount(ann.id, PASSWORD);
    await hears(b, 1);
    expect(await b.services.accounts.authenticate(ann.token)).toBeNull();
  });
});

describe('SessionCache', () => {
  const session = (id: string, expiresAt: Date) => ({ id, userId: 'u1', lastUsedAt: new Date(0), expiresAt });
  const now = new Date('2026-03-01T12:00:00Z');
  const later = new Date(now.getTime() + 3_600_000);

  async function listening(cache: SessionCache): Promise<void> {
    cache.get('warm-up', now);
    await vi.waitFor(() => {
      cache.store('probe', session('s0', later), cache.begin(), now);
      expect(cache.get('probe', now)).toBeDefined();
    }, WAIT);
  }

  it('does not keep a session read while a revocation went by, nor one past its expiry', async () => {
    const bus = new MemoryPubSub();
    const cache = new SessionCache({ pubsub: bus });
    await listening(cache);

    const ticket = cache.begin();
    await bus.publish(SESSIONS_REVOKED, { userId: 'someone-else' });
    cache.store('h1', session('s1', later), ticket, now);
    expect(cache.get('h1', now)).toBeUndefined();

    cache.store('h2', session('s2', new Date(now.getTime() + 5)), cache.begin(), now);
    expect(cache.get('h2', now)).toBeDefined();
    expect(cache.get('h2', new Date(now.getTime() + 5))).toBeUndefined();
    await cache.close();
  });

  it('caches nothing before it listens, and ignores malformed messages', async () => {
    const cache = new SessionCache({ pubsub: new MemoryPubSub() });
    cache.store('h1', session('s1', later), cache.begin(), now);
    expect(cache.get('h1', now)).toBeUndefined();
    await listening(cache);
    const bus = new MemoryPubSub();
    const other = new SessionCache({ pubsub: bus });
    await listening(other);
    other.store('h1', session('s1', later), other.begin(), now);
    await bus.publish(SESSIONS_REVOKED, { user: 'u1' });
    await bus.publish(SESSIONS_REVOKED, 'u1');
    expect(other.get('h1', now)).toBeDefined();
    await bus.publish(SESSIONS_REVOKED, { userId: 'u1', sessionId: 's1' });
    expect(other.get('h1', now)).toBeUndefined();
    await Promise.all([cache.close(), other.close()]);
  });
});
