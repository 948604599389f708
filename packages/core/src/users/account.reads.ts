import type { Db, ReadCache } from '@graminsta/platform';
import { AppError, notFound } from '../errors.ts';
import { cacheKeys, cachedRead, caching, ordered } from '../policies/cache-keys.ts';
import type { Viewer } from '../policies/resources.ts';
import { AccountReadRepository } from './account-read.repository.ts';
import { NO_RELATION, relationFrom, type AccountEntry, type Relation } from './account.entry.ts';

/** An account with the viewer's relation to it: what a profile, and any rule about its content, needs. */
export interface AccountView {
  account: AccountEntry;
  relation: Relation;
}

/**
 * Accounts as reads see them, cache-aside when a cache is given. Cached: the account under
 * `user:<id>` (found by name through `uname:<name>`) and the pair under `rel:<lo>:<hi>`, both the
 * same for every viewer; the viewer's relation is picked from the pair per request. Uncached
 * (CACHE=off): one prepared statement per profile, with no viewer joins when signed out.
 *
 * A load never reuses a row another load of the same request read: a fill must only carry what
 * was read after its own lease was taken, or a write committed in between could be put back.
 */
export class AccountReads {
  private readonly repo: AccountReadRepository;

  constructor(private readonly deps: { db: Db; cache?: ReadCache }) {
    this.repo = new AccountReadRepository(deps.db);
  }

  /** The account named `username` and the viewer's relation to it; null when there is none. */
  async byName(username: string, viewer: Viewer): Promise<AccountView | null> {
    const { cache } = this.deps;
    if (!caching(cache)) {
      if (viewer === null) {
        const account = await this.repo.byName(username);
        return account && { account, relation: NO_RELATION };
      }
      return this.repo.byNameForViewer(username, viewer);
    }
    const id = await this.idOf(cache, username);
    if (id === null) return null;
    let account = await this.byId(id);
    if (!account || account.username.toLowerCase() !== username.toLowerCase()) {
      // The name's account is gone and the name taken again since: the mapping is stale.
      await cache.invalidate([cacheKeys.uname(username)]);
      const fresh = await this.idOf(cache, username);
      account = fresh === null ? null : await this.byId(fresh);
      if (!account) return null;
    }
    return { account, relation: await this.relation(viewer, account.id) };
  }

  /** The account with id `id`, the same for every viewer; null when there is none. */
  async byId(id: string): Promise<AccountEntry | null> {
    const { cache } = this.deps;
    if (!caching(cache)) return this.repo.byId(id);
    // Nothing is cached for an id without an account: the load throws, and the miss is not kept.
    return cachedRead(cache, cacheKeys.user(id), async () => {
      const account = await this.repo.byId(id);
      if (!account) throw notFound('user');
      return account;
    }).catch(nullWhenNotFound);
  }

  /** How the viewer stands towards `accountId` (no relation for an anonymous viewer or the account itself). */
  async relation(viewer: Viewer, accountId: string): Promise<Relation> {
    if (viewer === null || viewer === accountId) return NO_RELATION;
    const { cache } = this.deps;
    const [lo, hi] = ordered(viewer, accountId);
    const pair = caching(cache)
      ? await cachedRead(cache, cacheKeys.pair(lo, hi), () => this.repo.pair(lo, hi))
      : await this.repo.pair(lo, hi);
    return relationFrom(pair, viewer, accountId);
  }

  private idOf(cache: ReadCache, username: string): Promise<string | null> {
    return cachedRead(cache, cacheKeys.uname(username), async () => {
      const id = await this.repo.idByName(username);
      if (id === null) throw notFound('user');
      return id;
    }).catch(nullWhenNotFound);
  }
}

function nullWhenNotFound(err: unknown): null {
  if (err instanceof AppError && err.code === 'not_found') return null;
  throw err;
}
