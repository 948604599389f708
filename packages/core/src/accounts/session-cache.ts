import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { PubSub } from '@graminsta/platform';

/** The pub/sub channel on which every process hears which sessions ended. */
export const SESSIONS_REVOKED = 'sessions.revoked';

/**
 * Sessions that ended: one (`sessionId`), every one of a user but one (`keep`, a password
 * change keeps the caller's), or every one of a user (neither). Ids only: a token or its hash
 * never travels, so nothing that could sign in reaches the bus or a log.
 */
export interface SessionRevocation {
  userId: string;
  sessionId?: string;
  keep?: string;
}

const Revocation = z.object({
  userId: z.string().max(32),
  sessionId: z.string().max(32).optional(),
  keep: z.string().max(32).optional(),
});

/** What the paths that end sessions need: they call it after their commit. */
export interface SessionRevocations {
  revoked(revocation: SessionRevocation): Promise<void>;
}

/** A live session as authentication keeps it in memory. */
export interface CachedSession {
  id: string;
  userId: string;
  lastUsedAt: Date;
  expiresAt: Date;
}

export interface SessionCacheOptions {
  pubsub: PubSub;
  /** How long a session found live is believed without asking the database (10 s). */
  ttlMs?: number;
  /** Sessions kept at most (10,000: a few MB), least recently used dropped first. */
  max?: number;
  /** A revocation that could not be published, a subscription that failed; the write stands. */
  onError?: (err: unknown) => void;
}

const RESUBSCRIBE_MS = 5_000;

/**
 * Live sessions by token hash, in process, so a signed-in request costs no query. Every path
 * that ends sessions calls `revoked` after its commit: this process forgets them at once, and
 * the revocation goes out on pub/sub so every other process forgets them when it arrives. A
 * message lost while the bus reconnects is covered by the short TTL; an entry never outlives
 * its session's expiry, so deleting expired sessions needs no message.
 *
 * Nothing is cached until this process listens (a revocation it could not hear would leave a
 * stale entry), and a lookup that a revocation overtook is not stored (see `begin`).
 */
export class SessionCache implements SessionRevocations {
  private readonly entries: LRUCache<string, CachedSession>;
  /** Token hashes by user, so a user's revocation finds their entries without a scan. */
  private readonly byUser = new Map<string, Set<string>>();
  private readonly ttlMs: number;
  private generation = 0;
  private state: 'idle' | 'subscribing' | 'listening' | 'closed' = 'idle';
  private unsubscribe: (() => Promise<void>) | undefined;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SessionCacheOptions) {
    this.ttlMs = opts.ttlMs ?? 10_000;
    this.entries = new LRUCache<string, CachedSession>({
      max: opts.max ?? 10_000,
      ttl: this.ttlMs,
      dispose: (session, tokenHash) => this.unindex(session.userId, tokenHash),
    });
  }

  /** The cached live session of a token hash, or undefined (not cached, or expired by `now`). */
  get(tokenHash: string, now: Date): CachedSession | undefined {
    if (this.state !== 'listening') {
      this.listen();
      return undefined;
    }
    const session = this.entries.get(tokenHash);
    if (session && session.expiresAt > now) return session;
    if (session) this.entries.delete(tokenHash);
    return undefined;
  }

  /** Taken before reading a session from the database; `store` refuses it if a revocation came since. */
  begin(): number {
    return this.generation;
  }

  /**
   * Keeps a session read from the database, for the TTL but never past its expiry. A revocation
   * that arrived while it was read may be about this very session (read just before the delete
   * committed): that read is not stored, whoever the revocation was for. They are rare.
   */
  store(tokenHash: string, session: CachedSession, ticket: number, now: Date): void {
    if (this.state !== 'listening' || ticket !== this.generation) return;
    const ttl = Math.min(this.ttlMs, session.expiresAt.getTime() - now.getTime());
    if (ttl <= 0) return;
    this.entries.set(tokenHash, session, { ttl });
    let set = this.byUser.get(session.userId);
    if (!set) this.byUser.set(session.userId, (set = new Set()));
    set.add(tokenHash);
  }

  /** Forgets the sessions here, then tells every other process. Called after the commit. */
  async revoked(revocation: SessionRevocation): Promise<void> {
    this.drop(revocation);
    try {
      await this.opts.pubsub.publish(SESSIONS_REVOKED, { ...revocation });
    } catch (err) {
      // The sessions are gone from the database: other processes stop believing them within the TTL.
      this.opts.onError?.(err);
    }
  }

  /** Stops listening; nothing is cached afterwards. */
  async close(): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.retry);
    this.entries.clear();
    await this.unsubscribe?.();
  }

  private drop({ userId, sessionId, keep }: SessionRevocation): void {
    this.generation++;
    const hashes = this.byUser.get(userId);
    if (!hashes) return;
    const ends = (id: string) => (sessionId !== undefined ? id === sessionId : id !== keep);
    for (const tokenHash of [...hashes]) {
      const session = this.entries.peek(tokenHash);
      if (session && !ends(session.id)) continue;
      this.entries.delete(tokenHash);
      this.unindex(userId, tokenHash);
    }
  }

  private unindex(userId: string, tokenHash: string): void {
    const set = this.byUser.get(userId);
    set?.delete(tokenHash);
    if (set?.size === 0) this.byUser.delete(userId);
  }

  /** Subscribes on first use (a process that never authenticates never listens), and again after a failure. */
  private listen(): void {
    if (this.state !== 'idle') return;
    this.state = 'subscribing';
    this.opts.pubsub
      .subscribe(SESSIONS_REVOKED, (message) => {
        const parsed = Revocation.safeParse(message);
        if (parsed.success) this.drop(parsed.data);
      })
      .then(
        async (unsubscribe) => {
          if (this.state === 'closed') return unsubscribe();
          this.unsubscribe = unsubscribe;
          this.state = 'listening';
        },
        (err: unknown) => {
          if (this.state === 'closed') return;
          this.opts.onError?.(err);
          this.retry = setTimeout(() => {
            if (this.state === 'subscribing') this.state = 'idle';
          }, RESUBSCRIBE_MS);
          this.retry.unref();
        },
      )
      .catch((err: unknown) => this.opts.onError?.(err));
  }
}
