import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { EventData } from '@graminsta/contracts';
import type { Db, Json, PubSub } from '@graminsta/platform';
import { follows, photos, users } from '../db/schema.ts';
import { isActive, notBlockedWith, notMuted } from '../policies/audience.sql.ts';
import { FANOUT_CHANNEL, fanoutMessages } from './fanout.ts';
import type { Presence } from './presence.ts';

export interface PostAnnouncerDeps {
  db: Db;
  pubsub: PubSub;
  presence: Presence;
  /** Followers per batch: one keyset page, one presence lookup, one INSERT…SELECT, its publishes. */
  batchSize?: number;
  now?: () => Date;
  /** A publish that failed (the event is kept: the client gets it on its next resume). */
  onError?: (err: unknown) => void;
}

export interface Announced {
  /** Followers looked at. */
  followers: number;
  /** Events stored (and published): online followers the rules let hear of the post. */
  sent: number;
}

/**
 * Job `post.announce`: a post that became ready is announced (`post.new`) to its author's
 * followers who are online, in batches, so a celebrity's post is many short statements with a
 * yield between them rather than one long transaction holding the worker and the database.
 */
export class PostAnnouncer {
  private readonly batchSize: number;
  private readonly now: () => Date;

  constructor(private readonly deps: PostAnnouncerDeps) {
    this.batchSize = deps.batchSize ?? 500;
    this.now = deps.now ?? (() => new Date());
  }

  async announce(photoId: string): Promise<Announced> {
    const { db } = this.deps;
    const [post] = await db
      .select({ authorId: users.id, username: users.username })
      .from(photos)
      .innerJoin(users, eq(users.id, photos.ownerId))
      .where(and(eq(photos.id, photoId), eq(photos.status, 'ready'), isActive()));
    const done: Announced = { followers: 0, sent: 0 };
    if (!post) return done;
    const data: EventData<'post.new'> = { photoId, author: { id: post.authorId, username: post.username } };
    let after = '0';
    for (;;) {
      const page = await db
        .select({ id: follows.followerId })
        .from(follows)
        .where(and(eq(follows.followeeId, post.authorId), gt(follows.followerId, after)))
        .orderBy(asc(follows.followerId))
        .limit(this.batchSize);
      if (page.length === 0) break;
      const ids = page.map((r) => r.id);
      after = ids[ids.length - 1]!;
      done.followers += ids.length;
      const online = await this.deps.presence.online(ids);
      if (online.length > 0) done.sent += await this.storeAndPublish(post.authorId, online, data);
      if (page.length < this.batchSize) break;
      // Other jobs, and this process's other work, get their turn between batches.
      await yieldToOthers();
    }
    return done;
  }

  /** One short transaction per batch, then the publishes (outside it: nothing waits on Redis there). */
  private async storeAndPublish(
    authorId: string,
    online: string[],
    data: EventData<'post.new'>,
  ): Promise<number> {
    const ids = sql.join(
      online.map((id) => sql`${id}::bigint`),
      sql`, `,
    );
    const json = JSON.stringify(data);
    const rows = await this.deps.db.transaction(async (tx) => {
      // The same per-user lock as a single event's insert (event.repository.ts), taken in id order
      // (so two fan-outs cannot deadlock): ids are then given and committed in the same order.
      const targets = await tx
        .select({ id: follows.followerId })
        .from(follows)
        .innerJoin(users, eq(users.id, follows.followerId))
        .where(
          and(
            eq(follows.followeeId, authorId),
            sql`${follows.followerId} in (${ids})`,
            isActive(),
            notMuted(follows.followerId, authorId),
            notBlockedWith(follows.followerId, authorId),
          ),
        )
        .orderBy(asc(follows.followerId));
      if (targets.length === 0) return [];
      const locked = sql.join(
        targets.map((t) => sql`${t.id}::bigint`),
        sql`, `,
      );
      await tx.execute(sql`
        select pg_advisory_xact_lock(hashtextextended('user_events:' || u::text, 0))
        from unnest(array[${locked}]) as u order by u`);
      const result = (await tx.execute(sql`
        insert into user_events (user_id, type, data, created_at)
        select u, 'post.new', ${json}::jsonb, ${this.now().toISOString()}::timestamptz
        from unnest(array[${locked}]) as u order by u
        returning id::text as id, user_id::text as "userId"`)) as unknown as {
        rows: { id: string; userId: string }[];
      };
      return result.rows;
    });
    // One bus message for the batch (a few, on a bus with a small payload limit): the body once,
    // and each recipient with the id of their row, in id order. Each realtime process delivers it
    // to the users it holds (EventServiceImpl.onFanout).
    const to = rows.map((row): [string, string] => [row.userId, row.id]);
    for (const message of fanoutMessages('post.new', data, to, this.deps.pubsub.maxMessageBytes)) {
      await this.deps.pubsub
        .publish(FANOUT_CHANNEL, message as unknown as Json)
        .catch((err: unknown) => this.deps.onError?.(err));
    }
    return rows.length;
  }
}
