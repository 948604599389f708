import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { ChangePasswordBody, DeviceSessionList, Me } from '@graminsta/contracts';
import type { Db, Mailer } from '@graminsta/platform';
import { AppError, notFound } from '../errors.ts';
import type { LimiterStore } from '../limits/limiter-store.ts';
import type { CredentialService, RequestContext } from '../services.ts';
import { isUniqueViolation } from '../shared/db-errors.ts';
import { toMe } from '../users/user.presenter.ts';
import { UserRepository } from '../users/user.repository.ts';
import { hashToken } from './account.service.ts';
import { CredentialRepository } from './credential.repository.ts';
import { EmailTokenRepository, type MailPurpose } from './email-token.repository.ts';
import { linkMail } from './mail-templates.ts';
import type { MailRequests } from './mail-requests.ts';
import { DEFAULT_SCRYPT, hashPassword, verifyPassword, type ScryptParams } from './password.ts';
import { SessionRepository } from './session.repository.ts';
import type { SessionRevocations } from './session-cache.ts';

const MINUTE = 60_000;
const LINK_TTL: Record<MailPurpose, { ms: number; words: string }> = {
  verify: { ms: 24 * 60 * MINUTE, words: '24 hours' },
  reset: { ms: 30 * MINUTE, words: '30 minutes' },
};

export interface CredentialServiceDeps {
  db: Db;
  mailer: Mailer;
  mails: MailRequests;
  /** Where the web client is served: the base of mailed links. */
  webUrl: () => string;
  /** Counters for the quiet per-address budget of reset mails; null: no limit. */
  limiterStore: LimiterStore | null;
  /** Reset mails one address gets per hour; past it requests are answered alike and mail nothing. */
  resetMailsPerHour?: number;
  /** Every reset request takes at least this long, known address or not, so timing tells nothing. */
  resetRequestFloorMs?: number;
  scrypt?: ScryptParams;
  now?: () => Date;
  /** Told after each commit that ends sessions, so no process keeps believing them. */
  revocations?: SessionRevocations;
}

const newToken = () => randomBytes(32).toString('base64url');

export class CredentialServiceImpl implements CredentialService {
  private readonly users: UserRepository;
  private readonly credentials: CredentialRepository;
  private readonly tokens: EmailTokenRepository;
  private readonly sessions: SessionRepository;
  private readonly resetBudget: RateLimiterAbstract | null;
  private readonly now: () => Date;

  constructor(private readonly deps: CredentialServiceDeps) {
    this.users = new UserRepository(deps.db);
    this.credentials = new CredentialRepository(deps.db);
    this.tokens = new EmailTokenRepository(deps.db);
    this.sessions = new SessionRepository(deps.db);
    this.now = deps.now ?? (() => new Date());
    this.resetBudget =
      deps.limiterStore &&
      deps.limiterStore({
        keyPrefix: 'reset-mail:address',
        points: deps.resetMailsPerHour ?? 3,
        durationSec: 3600,
      });
  }

  async changeEmail(userId: string, email: string): Promise<Me> {
    const user = await this.users.findById(userId);
    if (!user) throw notFound('user');
    // The same address again: nothing changes; an unverified one gets a fresh link.
    if (user.email?.toLowerCase() === email.toLowerCase() && user.emailVerifiedAt) return toMe(user);
    let row;
    try {
      row = await this.deps.db.transaction((tx) => this.credentials.setEmail(userId, email, tx));
    } catch (err) {
      if (isUniqueViolation(err, 'users_email_lower_key'))
        throw new AppError('email_taken', 'another account has that e-mail address');
      throw err;
    }
    if (!row) throw notFound('user');
    await this.deps.mails.request(userId, 'verify');
    return toMe(row);
  }

  async verifyEmail(token: string): Promise<void> {
    const now = this.now();
    const gone = () =>
      new AppError('gone', 'this link is used, expired, or for an address the account no longer has');
    await this.deps.db.transaction(async (tx) => {
      const spent = await this.tokens.spend(hashToken(token), 'verify', now, tx);
      if (!spent) throw gone();
      // Thrown inside, so a refused link is left as it was (the transaction rolls back).
      if (!(await this.credentials.markVerified(spent.userId, spent.email, now, tx))) throw gone();
    });
  }

  async requestPasswordReset(email: string, _ctx: RequestContext): Promise<void> {
    const floor = sleep(this.deps.resetRequestFloorMs ?? 300);
    const user = (await this.withinResetBudget(email)) ? await this.credentials.findByEmail(email) : null;
    if (user && user.deletedAt === null && user.suspendedAt === null)
      await this.deps.mails.request(user.id, 'reset');
    await floor;
  }

  async resetPassword(token: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password, this.deps.scrypt ?? DEFAULT_SCRYPT);
    const now = this.now();
    const userId = await this.deps.db.transaction(async (tx) => {
      const spent = await this.tokens.spend(hashToken(token), 'reset', now, tx);
      if (!spent || !(await this.credentials.setPasswordHash(spent.userId, passwordHash, tx))) return null;
      // Whoever held the old password, or an older link, is out.
      await this.tokens.spendAll(spent.userId, 'reset', now, tx);
      await this.sessions.deleteAllOf(spent.userId, tx);
      return spent.userId;
    });
    if (!userId) throw new AppError('gone', 'this link is used or expired');
    await this.deps.revocations?.revoked({ userId });
  }

  async changePassword(userId: string, sessionToken: string, body: ChangePasswordBody): Promise<void> {
    const user = await this.users.findById(userId);
    if (!user) throw notFound('user');
    if (!(await verifyPassword(body.currentPassword, user.passwordHash)))
      throw new AppError('forbidden', 'the current password is wrong');
    const passwordHash = await hashPassword(body.newPassword, this.deps.scrypt ?? DEFAULT_SCRYPT);
    const keep = await this.deps.db.transaction(async (tx) => {
      await this.credentials.setPasswordHash(userId, passwordHash, tx);
      await this.tokens.spendAll(userId, 'reset', this.now(), tx);
      await this.sessions.deleteAllOf(userId, tx, hashToken(sessionToken));
      return this.sessions.idOf(hashToken(sessionToken), tx);
    });
    await this.deps.revocations?.revoked(keep ? { userId, keep } : { userId });
  }

  async listSessions(userId: string, sessionToken: string): Promise<DeviceSessionList> {
    const current = hashToken(sessionToken);
    const rows = await this.sessions.listLive(userId, this.now());
    return {
      items: rows.map((s) => ({
        id: s.id,
        client: s.client,
        createdAt: s.createdAt.toISOString(),
        lastUsedAt: s.lastUsedAt.toISOString(),
        current: s.tokenHash === current,
      })),
    };
  }

  async endSession(userId: string, sessionId: string): Promise<void> {
    if (!(await this.sessions.deleteOne(userId, sessionId))) throw notFound('session');
    await this.deps.revocations?.revoked({ userId, sessionId });
  }

  async deliver({ userId, purpose }: { userId: string; purpose: MailPurpose }): Promise<void> {
    const user = await this.users.findById(userId);
    // Gone, suspended, or no longer in need of this mail since it was asked for: nothing to send.
    if (!user?.email || user.deletedAt !== null) return;
    if (purpose === 'verify' && user.emailVerifiedAt !== null) return;
    if (purpose === 'reset' && user.suspendedAt !== null) return;
    const token = newToken();
    const ttl = LINK_TTL[purpose];
    const id = await this.tokens.insert({
      userId,
      purpose,
      tokenHash: hashToken(token),
      email: user.email,
      expiresAt: new Date(this.now().getTime() + ttl.ms),
    });
    const mail = linkMail({
      purpose,
      to: user.email,
      username: user.username,
      token,
      webUrl: this.deps.webUrl(),
      validFor: ttl.words,
    });
    try {
      await this.deps.mailer.send(mail);
    } catch (err) {
      // Nobody received this token; a retry makes a new one.
      await this.tokens.delete(id);
      throw err;
    }
  }

  pruneTokens(): Promise<number> {
    return this.tokens.deleteDead(this.now());
  }

  /** The quiet budget: counted by a hash of the address, so the counters hold no addresses. */
  private async withinResetBudget(email: string): Promise<boolean> {
    if (!this.resetBudget) return true;
    const key = createHash('sha256').update(email.toLowerCase()).digest('base64url');
    try {
      await this.resetBudget.consume(key);
      return true;
    } catch (err) {
      if (err instanceof RateLimiterRes) return false;
      throw err;
    }
  }
}
