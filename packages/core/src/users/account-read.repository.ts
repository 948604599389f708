import { eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { followRequests, users } from '../db/schema.ts';
import { blocking, following, isActive, muting } from '../policies/audience.sql.ts';
import type { AccountEntry, PairEntry, PairSide, Relation } from './account.entry.ts';

const p = {
  id: sql.placeholder('id'),
  name: sql.placeholder('name'),
  viewerId: sql.placeholder('viewerId'),
  lo: sql.placeholder('lo'),
  hi: sql.placeholder('hi'),
};

const accountColumns = {
  id: users.id,
  username: users.username,
  displayName: users.displayName,
  bio: users.bio,
  avatarUrl: users.avatarUrl,
  followerCount: users.followerCount,
  followingCount: users.followingCount,
  photoCount: users.photoCount,
  private: users.private,
  active: sql<boolean>`${isActive()}`,
  createdAt: users.createdAt,
};

const byName = sql`lower(${users.username}) = ${p.name}`;

const requesting = (requester: unknown, target: unknown) =>
  sql<boolean>`exists (select 1 from ${followRequests} fr where fr.requester_id = ${requester} and fr.target_id = ${target})`;

/** What `actor` does towards `other`, as columns (each an index probe on a primary key). */
function sideColumns(actor: unknown, other: unknown) {
  return {
    follows: following(actor, other),
    requested: requesting(actor, other),
    blocks: blocking(actor, other),
    mutes: muting(actor, other),
  };
}

type AccountColumns = Omit<AccountEntry, 'createdAt'> & { createdAt: Date };

const toEntry = ({ createdAt, ...rest }: AccountColumns): AccountEntry => ({
  ...rest,
  createdAt: createdAt.toISOString(),
});

/**
 * The reads behind profiles and the owners of posts. A profile is the hottest read after the
 * feed, so each runs as a named prepared statement built once per repository (see
 * FeedRepository): the query builder does not run per request, and PostgreSQL parses it once per
 * connection. The anonymous profile has no viewer at all, so its statement joins nothing.
 */
export class AccountReadRepository {
  private readonly prepared;

  constructor(db: Db) {
    this.prepared = {
      byName: db.select(accountColumns).from(users).where(byName).prepare('account_by_name'),
      byNameForViewer: db
        .select({
          ...accountColumns,
          viewerFollows: following(p.viewerId, users.id),
          viewerRequested: requesting(p.viewerId, users.id),
          viewerBlocks: blocking(p.viewerId, users.id),
          viewerMutes: muting(p.viewerId, users.id),
          blocksViewer: blocking(users.id, p.viewerId),
        })
        .from(users)
        .where(byName)
        .prepare('account_by_name_for_viewer'),
      byId: db.select(accountColumns).from(users).where(eq(users.id, p.id)).prepare('account_by_id'),
      idByName: db.select({ id: users.id }).from(users).where(byName).prepare('account_id_by_name'),
      pair: db
        .select({ lo: jsonSide(p.lo, p.hi), hi: jsonSide(p.hi, p.lo) })
        .from(users)
        .where(eq(users.id, p.lo))
        .prepare('account_pair'),
    };
  }

  async byName(username: string): Promise<AccountEntry | null> {
    const [row] = await this.prepared.byName.execute({ name: username.toLowerCase() });
    return row ? toEntry(row) : null;
  }

  /** The account and the viewer's relation to it, in one statement (the uncached signed-in profile). */
  async byNameForViewer(
    username: string,
    viewerId: string,
  ): Promise<{ account: AccountEntry; relation: Relation } | null> {
    const [row] = await this.prepared.byNameForViewer.execute({
      name: username.toLowerCase(),
      viewerId,
    });
    if (!row) return null;
    const { viewerFollows, viewerRequested, viewerBlocks, viewerMutes, blocksViewer, ...account } = row;
    return {
      account: toEntry(account),
      relation: { viewerFollows, viewerRequested, viewerBlocks, viewerMutes, blocksViewer },
    };
  }

  async byId(id: string): Promise<AccountEntry | null> {
    const [row] = await this.prepared.byId.execute({ id });
    return row ? toEntry(row) : null;
  }

  async idByName(username: string): Promise<string | null> {
    const [row] = await this.prepared.idByName.execute({ name: username.toLowerCase() });
    return row?.id ?? null;
  }

  /** Both sides of a pair, `lo` the smaller id; all false when `lo` is gone. */
  async pair(lo: string, hi: string): Promise<PairEntry> {
    const [row] = await this.prepared.pair.execute({ lo, hi });
    return row ?? { lo: NOTHING, hi: NOTHING };
  }
}

const NOTHING: PairSide = { follows: false, requested: false, blocks: false, mutes: false };

/** One side as a JSON object, so the pair is two columns rather than eight. */
function jsonSide(actor: unknown, other: unknown): SQL<PairSide> {
  const c = sideColumns(actor, other);
  return sql<PairSide>`json_build_object('follows', ${c.follows}, 'requested', ${c.requested}, 'blocks', ${c.blocks}, 'mutes', ${c.mutes})`.mapWith(
    (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value) as PairSide,
  );
}
