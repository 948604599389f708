import type { FollowState, Page, PageQuery, Profile, UserSummary } from '@graminsta/contracts';
import type { Db, ReadCache } from '@graminsta/platform';
import { AppError, notFound } from '../errors.ts';
import { invalidateAfterCommit, pairKeys } from '../policies/cache-keys.ts';
import { authorize } from '../policies/policy.ts';
import { userOf } from '../policies/resources.ts';
import type { Notifier, UserService } from '../services.ts';
import { decodeCursor, encodeCursor, pageOf } from '../shared/pagination.ts';
import { standingOf, toProfileOf } from './account.entry.ts';
import { AccountReads } from './account.reads.ts';
import { FollowRepository, type FollowListRow, type FollowPosition } from './follow.repository.ts';
import { assertMayFollow } from './relation.rules.ts';
import { RelationshipRepository } from './relationship.repository.ts';
import type { TimelineHooks } from '../feed/timeline.hooks.ts';
import { toUserSummary } from './user.presenter.ts';
import { UserRepository, type UserRow } from './user.repository.ts';

export interface UserServiceDeps {
  db: Db;
  notifier: Notifier;
  /** Cache-aside reads of accounts and pairs; none when absent (CACHE=off). */
  cache?: ReadCache;
  /** Errors after commit (a live event that could not be sent); the write itself stands. */
  onBackgroundError?: (err: unknown) => void;
  /** Home timelines of accounts whose follows change are dropped (TIMELINES=on). */
  timelines?: TimelineHooks;
}

const SEARCH_CURSOR = /^[a-z0-9_.]{1,30}$/;

export class UserServiceImpl implements UserService {
  private readonly users: UserRepository;
  private readonly follows: FollowRepository;
  private readonly relations: RelationshipRepository;
  private readonly accounts: AccountReads;

  constructor(private readonly deps: UserServiceDeps) {
    this.accounts = new AccountReads(deps);
    this.users = new UserRepository(deps.db);
    this.follows = new FollowRepository(deps.db);
    this.relations = new RelationshipRepository(deps.db);
  }

  async getProfile(username: string, viewerId: string | null): Promise<Profile> {
    const found = await this.accounts.byName(username, viewerId);
    if (!found) throw notFound('user');
    authorize(viewerId, 'view', userOf(standingOf(found.account, found.relation)));
    return toProfileOf(found.account, found.relation, viewerId === found.account.id);
  }

  followers(username: string, viewerId: string | null, page: PageQuery): Promise<Page<UserSummary>> {
    return this.listFollows('followers', username, viewerId, page);
  }

  following(username: string, viewerId: string | null, page: PageQuery): Promise<Page<UserSummary>> {
    return this.listFollows('following', username, viewerId, page);
  }

  async follow(viewerId: string, username: string): Promise<FollowState> {
    const target = await this.requireUser(username);
    if (target.id === viewerId) throw new AppError('bad_request', 'you cannot follow yourself');
    const { state, followerCount, notificationId } = await this.deps.db.transaction(async (tx) => {
      // Under the pair's row locks: a block, a switch to public or another follow cannot slip in between.
      const { targetPrivate } = await this.relations.lockPair(viewerId, target.id, tx);
      await assertMayFollow(this.relations, viewerId, target.id, tx);
      if (await this.follows.isFollowing(viewerId, target.id, tx)) {
        return {
          state: 'following' as const,
          followerCount: await this.currentFollowerCount(target.id, tx),
          notificationId: null,
        };
      }
      if (targetPrivate) {
        const fresh = await this.relations.insertRequest(viewerId, target.id, tx);
        const id = fresh
          ? await this.deps.notifier.record(tx, {
              recipientId: target.id,
              actorId: viewerId,
              type: 'follow_request',
            })
          : null;
        return {
          state: 'requested' as const,
          followerCount: await this.currentFollowerCount(target.id, tx),
          notificationId: id,
        };
      }
      await this.follows.insert(viewerId, target.id, tx);
      const count = await this.follows.adjustCounts(viewerId, target.id, 1, tx);
      const id = await this.deps.notifier.record(tx, {
        recipientId: target.id,
        actorId: viewerId,
        type: 'follow',
      });
      return { state: 'following' as const, followerCount: count, notificationId: id };
    });
    if (state === 'following') await this.deps.timelines?.followsChanged([viewerId]);
    await this.invalidatePair(viewerId, target.id);
    if (notificationId) await this.announce(notificationId);
    return { following: state === 'following', state, followerCount };
  }

  async unfollow(viewerId: string, username: string): Promise<FollowState> {
    const target = await this.requireUser(username);
    if (target.id === viewerId) throw new AppError('bad_request', 'you cannot unfollow yourself');
    const followerCount = await this.deps.db.transaction(async (tx) => {
      // Unfollowing also withdraws a request still pending, and the owner's notice of it.
      if (await this.relations.deleteRequest(viewerId, target.id, tx)) {
        await this.deps.notifier.retract(tx, {
          recipientId: target.id,
          actorId: viewerId,
          type: 'follow_request',
        });
      }
      if (!(await this.follows.delete(viewerId, target.id, tx)))
        return this.currentFollowerCount(target.id, tx);
      // A follow that is taken back should not linger in the other user's notifications.
      await this.deps.notifier.retract(tx, { recipientId: target.id, actorId: viewerId, type: 'follow' });
      return this.follows.adjustCounts(viewerId, target.id, -1, tx);
    });
    await this.deps.timelines?.followsChanged([viewerId]);
    await this.invalidatePair(viewerId, target.id);
    return { following: false, state: 'none', followerCount };
  }

  async search(q: string, viewerId: string | null, page: PageQuery): Promise<Page<UserSummary>> {
    const prefix = q.trim();
    if (!prefix) return { items: [], nextCursor: null };
    const after = page.cursor === undefined ? undefined : decodeSearchCursor(page.cursor);
    const rows = await this.users.searchByPrefix(prefix, viewerId, after, page.limit + 1);
    const result = pageOf(rows, page.limit, (last) => encodeCursor([last.username.toLowerCase()]));
    return { items: result.items.map(toUserSummary), nextCursor: result.nextCursor };
  }

  private async listFollows(
    side: 'followers' | 'following',
    username: string,
    viewerId: string | null,
    page: PageQuery,
  ): Promise<Page<UserSummary>> {
    const found = await this.accounts.byName(username, viewerId);
    if (!found) throw notFound('user');
    authorize(viewerId, side, userOf(standingOf(found.account, found.relation)));
    const after = page.cursor === undefined ? undefined : decodeFollowCursor(page.cursor);
    const rows = await this.follows.list(side, found.account.id, viewerId, after, page.limit + 1);
    const result = pageOf(rows, page.limit, (last: FollowListRow) =>
      encodeCursor([last.followedMicros, last.id]),
    );
    return { items: result.items.map(toUserSummary), nextCursor: result.nextCursor };
  }

  /** Both accounts' counters and the pair, after the commit: the writer's next read shows the change. */
  private invalidatePair(a: string, b: string): Promise<void> {
    return invalidateAfterCommit(this.deps.cache, pairKeys(a, b), this.deps.onBackgroundError);
  }

  private async currentFollowerCount(userId: string, tx: Db): Promise<number> {
    return (await this.users.findById(userId, tx))?.followerCount ?? 0;
  }

  private async requireUser(username: string): Promise<UserRow> {
    const user = await this.users.findByUsername(username);
    if (!user) throw notFound('user');
    return user;
  }

  private async announce(notificationId: string): Promise<void> {
    try {
      await this.deps.notifier.announce(notificationId);
    } catch (err) {
      // The follow is committed; the notification still shows in the list, only the live push failed.
      (this.deps.onBackgroundError ?? console.error)(err);
    }
  }
}

function decodeFollowCursor(cursor: string): FollowPosition {
  const [micros, userId] = decodeCursor(cursor, 2) as [string, string];
  if (!/^[0-9]{1,17}$/.test(micros) || !/^[0-9]{1,19}$/.test(userId)) {
    throw new AppError('validation_failed', 'invalid cursor');
  }
  return { micros, userId };
}

function decodeSearchCursor(cursor: string): string {
  const [after] = decodeCursor(cursor, 1) as [string];
  if (!SEARCH_CURSOR.test(after)) throw new AppError('validation_failed', 'invalid cursor');
  return after;
}
