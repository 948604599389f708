import { createHash, randomBytes } from 'node:crypto';
import {
  SignUpBody,
  type LogInBody,
  type PatchMeBody,
  type Me,
  type SessionResponse,
} from '@graminsta/contracts';
import type { BlobStore, Db, ReadCache } from '@graminsta/platform';
import { AppError, notFound } from '../errors.ts';
import { can } from '../policies/policy.ts';
import { photoOf, strangerTo } from '../policies/resources.ts';
import type { AccountService, Notifier, RequestContext } from '../services.ts';
import { isUniqueViolation } from '../shared/db-errors.ts';
import { acceptAllKeys, acceptAllPending } from '../users/relation.service.ts';
import { invalidateAfterCommit } from '../policies/cache-keys.ts';
import { toMe } from '../users/user.presenter.ts';
import { UserRepository, type UserRow } from '../users/user.repository.ts';
import { hashPassword, verifyPassword, DEFAULT_SCRYPT, type ScryptParams } from './password.ts';
import { clientLabel } from './client-label.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { MailRequests } from './mail-requests.ts';
import { RateLimitRepository } from './rate-limit.repository.ts';
import type { TimelineHooks } from '../feed/timeline.hooks.ts';
import { SessionRepository } from './session.repository.ts';
import type { SessionCache } from './session-cache.ts';

export interface AccountServiceDeps {
  db: Db;
  blobs: Pick<BlobStore, 'publicUrl'>;
  sessionTtlMs?: number;
  /** Slows password guessing; null when limits are off (load tests, seeding). */
  loginThrottle?: LoginThrottle | null;
  scrypt?: ScryptParams;
  now?: () => Date;
  /** Tells requesters their requests were accepted when the account turns public. */
  notifier?: Notifier;
  /** Books the verification mail of an address given at sign-up; none when absent. */
  mails?: MailRequests;
  /** Live sessions kept briefly in process, revoked over pub/sub; every lookup asks the database without. */
  sessionCache?: SessionCache;
  /** Requesters accepted by a switch to public get their home timelines dropped (TIMELINES=on). */
  timelines?: TimelineHooks;
  /** Cache-aside reads: a profile edit drops the cached account after the commit. */
  cache?: ReadCache;
}

export const DEFAULT_SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

// A session's last use is written at most this often: authentication stays one read.
const TOUCH_EVERY_MS = 60_000;
const WRONG_CREDENTIALS = 'wrong username or password';
// 32 random bytes in base64url; anything else cannot be a token of ours.
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export class AccountServiceImpl implements AccountService {
  private readonly users: UserRepository;
  private readonly sessions: SessionRepository;
  private readonly rateLimits: RateLimitRepository;
  private readonly now: () => Date;
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly deps: AccountServiceDeps) {
    this.users = new UserRepository(deps.db);
    this.sessions = new SessionRepository(deps.db);
    this.rateLimits = new RateLimitRepository(deps.db);
    this.now = deps.now ?? (() => new Date());
  }

  async signUp(input: SignUpBody, ctx: RequestContext): Promise<SessionResponse> {
    // Routes validate too; this guards every other caller (seeding, CLI).
    const valid = SignUpBody.safeParse(input);
    if (!valid.success)
      throw new AppError('validation_failed', valid.error.issues[0]?.message ?? 'invalid sign-up');
    const passwordHash = await hashPassword(input.password, this.deps.scrypt ?? DEFAULT_SCRYPT);
    let session: SessionResponse;
    try {
      session = await this.deps.db.transaction(async (tx) => {
        const user = await this.users.insert(
          {
            username: input.username,
            passwordHash,
            displayName: input.displayName?.trim() ?? '',
            email: input.email ?? null,
          },
          tx,
        );
        return { user: toMe(user), token: await this.startSession(user.id, ctx, tx) };
      });
    } catch (err) {
      // The unique index on lower(username) decides, so two racing sign-ups cannot both win.
      if (isUniqueViolation(err, 'users_username_lower_key')) {
        throw new AppError('username_taken', 'that username is taken');
      }
      if (isUniqueViolation(err, 'users_email_lower_key')) {
        throw new AppError('email_taken', 'another account has that e-mail address');
      }
      throw err;
    }
    if (input.email) await this.deps.mails?.request(session.user.id, 'verify');
    return session;
  }

  async logIn(input: LogInBody, ctx: RequestContext): Promise<SessionResponse> {
    const throttle = this.deps.loginThrottle;
    await throttle?.check(input.username, ctx.ip);
    const user = await this.users.findByUsername(input.username);
    // An unknown username costs the same scrypt work, so timing does not reveal which accounts exist.
    const ok = await verifyPassword(input.password, user?.passwordHash ?? (await this.getDummyHash()));
    // An account being deleted is already gone for its owner too.
    if (!user || !ok || user.deletedAt !== null) {
      await throttle?.failed(input.username, ctx.ip);
      throw new AppError('unauthenticated', WRONG_CREDENTIALS);
    }
    // Only the password's owner learns of a suspension: a guesser gets the answer above.
    if (user.suspendedAt !== null) throw new AppError('suspended', 'this account is suspended');
    await throttle?.succeeded(input.username, ctx.ip);
    return { user: toMe(user), token: await this.startSession(user.id, ctx) };
  }

  async logOut(token: string): Promise<void> {
    if (!TOKEN_PATTERN.test(token)) return;
    const ended = await this.sessions.delete(hashToken(token));
    if (ended) await this.deps.sessionCache?.revoked({ userId: ended.userId, sessionId: ended.id });
  }

  async authenticate(token: string): Promise<string | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const now = this.now();
    const tokenHash = hashToken(token);
    const cache = this.deps.sessionCache;
    let session = cache?.get(tokenHash, now);
    if (!session) {
      const ticket = cache?.begin() ?? 0;
      session = (await this.sessions.findLive(tokenHash, now)) ?? undefined;
      if (!session) return null;
      cache?.store(tokenHash, session, ticket, now);
    }
    const staleBefore = new Date(now.getTime() - TOUCH_EVERY_MS);
    if (session.lastUsedAt < staleBefore) {
      // The cached copy learns it too, so this process writes the stamp once a minute, not per request.
      session.lastUsedAt = now;
      await this.sessions.touch(session.id, now, staleBefore);
    }
    return session.userId;
  }

  async getMe(userId: string): Promise<Me> {
    return toMe(await this.requireUser(userId));
  }

  async updateMe(userId: string, patch: PatchMeBody): Promise<Me> {
    let accepted: string[] = [];
    const followed: string[] = [];
    const requesters: string[] = [];
    const row = await this.deps.db.transaction(async (tx) => {
      const changes: Partial<
        Pick<UserRow, 'displayName' | 'bio' | 'avatarPhotoId' | 'avatarUrl' | 'private'>
      > = {};
      if (patch.displayName !== undefined) changes.displayName = patch.displayName.trim();
      if (patch.bio !== undefined) changes.bio = patch.bio;
      if (patch.private !== undefined) changes.private = patch.private;
      if (patch.avatarPhotoId === null) Object.assign(changes, { avatarPhotoId: null, avatarUrl: null });
      if (patch.avatarPhotoId) {
        const photo = await this.users.lockAvatarPhoto(patch.avatarPhotoId, tx);
        const thumbKey = photo?.variants?.thumb?.key;
        if (!photo || !can(userId, 'avatar', photoOf(photo, strangerTo(photo.ownerId))) || !thumbKey)
          throw new AppError('bad_request', 'the avatar must be one of your own ready photos');
        Object.assign(changes, {
          avatarPhotoId: patch.avatarPhotoId,
          avatarUrl: this.deps.blobs.publicUrl(thumbKey),
        });
      }
      const updated = await this.users.update(userId, changes, tx);
      // A public account has no one waiting: every pending request is accepted with the switch.
      if (updated && patch.private === false) {
        accepted = await acceptAllPending(userId, this.deps.notifier ?? null, tx, followed, requesters);
        return this.users.findById(userId, tx);
      }
      return updated;
    });
    if (!row) throw notFound('user');
    await this.deps.timelines?.followsChanged(followed);
    // After the commit: the owner's next read of their profile (or posts) shows the edit.
    await invalidateAfterCommit(this.deps.cache, acceptAllKeys(userId, requesters));
    for (const id of accepted) await this.deps.notifier?.announce(id);
    return toMe(row);
  }

  /** Housekeeping for a periodic job: expired sessions and expired rate-limit counters. */
  async pruneExpired(): Promise<{ sessions: number; rateLimits: number }> {
    return {
      sessions: await this.sessions.deleteExpired(this.now()),
      // The counters expire by the wall clock, which is what rate-limiter-flexible reads.
      rateLimits: await this.rateLimits.deleteExpired(new Date()),
    };
  }

  private async startSession(userId: string, ctx: RequestContext, tx?: Db): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const createdAt = this.now();
    const expiresAt = new Date(createdAt.getTime() + (this.deps.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS));
    const client = clientLabel(ctx.client);
    await this.sessions.insert({ userId, tokenHash: hashToken(token), createdAt, expiresAt, client }, tx);
    return token;
  }

  private async requireUser(userId: string): Promise<UserRow> {
    const user = await this.users.findById(userId);
    if (!user) throw notFound('user');
    return user;
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'), this.deps.scrypt ?? DEFAULT_SCRYPT);
    return this.dummyHash;
  }
}
