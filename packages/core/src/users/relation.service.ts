import type {
  BlockState,
  FollowRequestDecision,
  MuteState,
  Page,
  PageQuery,
  UserSummary,
} from '@graminsta/contracts';
import type { Db, ReadCache } from '@graminsta/platform';
import { AppError, notFound } from '../errors.ts';
import { cacheKeys, invalidateAfterCommit, pairKeys } from '../policies/cache-keys.ts';
import type { Notifier, RelationService } from '../services.ts';
import { decodeCursor, encodeCursor, pageOf } from '../shared/pagination.ts';
import { FollowRepository, type FollowPosition } from './follow.repository.ts';
import { assertNotBlockedBy } from './relation.rules.ts';
import { RelationshipRepository } from './relationship.repository.ts';
import { toUserSummary } from './user.presenter.ts';
import type { TimelineHooks } from '../feed/timeline.hooks.ts';
import { UserRepository, type UserRow } from './user.repository.ts';

export interface RelationServiceDeps {
  db: Db;
  notifier: Notifier;
  /** Cache-aside reads: every change here drops both accounts and their pair after the commit. */
  cache?: ReadCache;
  /** Errors after commit (a live event that could not be sent); the write itself stands. */
  onBackgroundError?: (err: unknown) => void;
  /** Home timelines of accounts whose follows change are dropped (TIMELINES=on). */
  timelines?: TimelineHooks;
}

/** Follow requests (the owner's side), blocks and mutes. */
export class RelationServiceImpl implements RelationService {
  private readonly users: UserRepository;
  private readonly follows: FollowRepository;
  private readonly relations: RelationshipRepository;

  constructor(private readonly deps: RelationServiceDeps) {
    this.users = new UserRepository(deps.db);
    this.follows = new FollowRepository(deps.db);
    this.relations = new RelationshipRepository(deps.db);
  }

  async listFollowRequests(ownerId: string, page: PageQuery): Promise<Page<UserSummary>> {
    const after = page.cursor === undefined ? undefined : decodeRequestCursor(page.cursor);
    const rows = await this.relations.listRequests(ownerId, after, page.limit + 1);
    const result = pageOf(rows, page.limit, (last) => encodeCursor([last.requestedMicros, last.id]));
    return { items: result.items.map(toUserSummary), nextCursor: result.nextCursor };
  }

  async acceptFollowRequest(ownerId: string, username: string): Promise<FollowRequestDecision> {
    const requester = await this.requireUser(username);
    const notificationId = await this.deps.db.transaction(async (tx) => {
      await this.relations.lockPair(ownerId, requester.id, tx);
      if (!(await this.relations.deleteRequest(requester.id, ownerId, tx))) throw notFound('follow request');
      await this.deps.notifier.retract(tx, {
        recipientId: ownerId,
        actorId: requester.id,
        type: 'follow_request',
      });
      if (await this.follows.insert(requester.id, ownerId, tx)) {
        await this.follows.adjustCounts(requester.id, ownerId, 1, tx);
      }
      return this.deps.notifier.record(tx, {
        recipientId: requester.id,
        actorId: ownerId,
        type: 'follow_accept',
      });
    });
    await this.deps.timelines?.followsChanged([requester.id]);
    await this.invalidatePair(ownerId, requester.id);
    if (notificationId) await this.announce([notificationId]);
    return { accepted: true };
  }

  async declineFollowRequest(ownerId: string, username: string): Promise<FollowRequestDecision> {
    const requester = await this.requireUser(username);
    await this.deps.db.transaction(async (tx) => {
      if (!(await this.relations.deleteRequest(requester.id, ownerId, tx))) throw notFound('follow request');
      // Declined quietly: the requester is not told, and the owner's notice of the request goes.
      await this.deps.notifier.retract(tx, {
        recipientId: ownerId,
        actorId: requester.id,
        type: 'follow_request',
      });
    });
    await this.invalidatePair(ownerId, requester.id);
    return { accepted: false };
  }

  async block(blockerId: string, username: string): Promise<BlockState> {
    const target = await this.requireOther(blockerId, username, 'block');
    await this.deps.db.transaction(async (tx) => {
      await this.relations.lockPair(blockerId, target.id, tx);
      await this.relations.insertBlock(blockerId, target.id, tx);
      // Follows end both ways, each with its counters and its notification.
      for (const [follower, followee] of [
        [blockerId, target.id],
        [target.id, blockerId],
      ] as const) {
        if (!(await this.follows.delete(follower, followee, tx))) continue;
        await this.follows.adjustCounts(follower, followee, -1, tx);
        await this.deps.notifier.retract(tx, { recipientId: followee, actorId: follower, type: 'follow' });
      }
      // Acceptances between them go too: neither should find the other in their notifications.
      await this.deps.notifier.retract(tx, {
        recipientId: target.id,
        actorId: blockerId,
        type: 'follow_accept',
      });
      await this.deps.notifier.retract(tx, {
        recipientId: blockerId,
        actorId: target.id,
        type: 'follow_accept',
      });
      for (const r of await this.relations.deleteRequestsBetween(blockerId, target.id, tx)) {
        await this.deps.notifier.retract(tx, {
          recipientId: r.targetId,
          actorId: r.requesterId,
          type: 'follow_request',
        });
      }
    });
    // Follows ended both ways: the ids they brought would only be hidden on every read.
    await this.deps.timelines?.followsChanged([blockerId, target.id]);
    await this.invalidatePair(blockerId, target.id);
    return { blocked: true };
  }

  async unblock(blockerId: string, username: string): Promise<BlockState> {
    const target = await this.requireUser(username);
    if (target.id === blockerId) throw new AppError('bad_request', 'you cannot unblock yourself');
    await this.relations.deleteBlock(blockerId, target.id);
    await this.invalidatePair(blockerId, target.id);
    return { blocked: false };
  }

  async mute(muterId: string, username: string): Promise<MuteState> {
    const target = await this.requireOther(muterId, username, 'mute');
    await this.relations.insertMute(muterId, target.id);
    await this.invalidatePair(muterId, target.id);
    return { muted: true };
  }

  async unmute(muterId: string, username: string): Promise<MuteState> {
    const target = await this.requireUser(username);
    if (target.id === muterId) throw new AppError('bad_request', 'you cannot unmute yourself');
    await this.relations.deleteMute(muterId, target.id);
    await this.invalidatePair(muterId, target.id);
    return { muted: false };
  }

  private invalidatePair(a: string, b: string): Promise<void> {
    return invalidateAfterCommit(this.deps.cache, pairKeys(a, b), this.deps.onBackgroundError);
  }

  /** Someone else, who has not blocked the caller (to the caller, such an account does not exist). */
  private async requireOther(viewerId: string, username: string, verb: string): Promise<UserRow> {
    const target = await this.requireUser(username);
    if (target.id === viewerId) throw new AppError('bad_request', `you cannot ${verb} yourself`);
    await assertNotBlockedBy(this.relations, viewerId, target.id);
    return target;
  }

  private async requireUser(username: string): Promise<UserRow> {
    const user = await this.users.findByUsername(username);
    if (!user) throw notFound('user');
    return user;
  }

  private async announce(ids: string[]): Promise<void> {
    try {
      for (const id of ids) await this.deps.notifier.announce(id);
    } catch (err) {
      // The decision is committed; the notification still shows in the list, only the live push failed.
      (this.deps.onBackgroundError ?? console.error)(err);
    }
  }
}

/**
 * Inside the owner's transaction that makes the account public: every pending request becomes a
 * follow, with counters and a `follow_accept` notice. Returns the notices to announce after commit;
 * `requestersOut` gets every requester whose request went (their pairs and counters changed).
 */
export async function acceptAllPending(
  ownerId: string,
  notifier: Notifier | null,
  tx: Db,
  /** Receives the requesters who now follow the owner (their timelines change after commit). */
  followed?: string[],
  requestersOut: string[] = [],
): Promise<string[]> {
  const relations = new RelationshipRepository(tx);
  const requesters = await relations.takeAllRequests(ownerId, tx);
  requestersOut.push(...requesters);
  const ids: string[] = [];
  for (const requesterId of await relations.followAll(requesters, ownerId, tx)) {
    followed?.push(requesterId);
    if (!notifier) continue;
    await notifier.retract(tx, { recipientId: ownerId, actorId: requesterId, type: 'follow_request' });
    const id = await notifier.record(tx, {
      recipientId: requesterId,
      actorId: ownerId,
      type: 'follow_accept',
    });
    if (id) ids.push(id);
  }
  return ids;
}

/** The keys an owner's switch to public changes: the owner, and each accepted requester with its pair. */
export function acceptAllKeys(ownerId: string, requesters: readonly string[]): string[] {
  return [cacheKeys.user(ownerId), ...requesters.flatMap((r) => pairKeys(ownerId, r))];
}

function decodeRequestCursor(cursor: string): FollowPosition {
  const [micros, userId] = decodeCursor(cursor, 2) as [string, string];
  if (!/^[0-9]{1,17}$/.test(micros) || !/^[0-9]{1,19}$/.test(userId)) {
    throw new AppError('validation_failed', 'invalid cursor');
  }
  return { micros, userId };
}
