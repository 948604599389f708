import { eq, sql } from 'drizzle-orm';
import type { Notification } from '@graminsta/contracts';
import { comments, notifications, photoTags, saves, users } from '@graminsta/core/db/schema';
import { insertPost } from '@graminsta/core/testing/posts';
import { standing } from '@graminsta/core/testing/standing';
import type { TestApp } from '../../testing/test-app.ts';

/** Whose content a cell is about: one account of each kind, each with the same ties to the viewers. */
export const ACCOUNTS = ['public', 'private', 'suspended', 'deleted'] as const;
export type AccountKind = (typeof ACCOUNTS)[number];

export const VIEWERS = [
  'anonymous',
  'owner',
  'follower',
  'nonFollower',
  'blocked',
  'blocker',
  'muted',
  'moderator',
] as const;
export type ViewerKind = (typeof VIEWERS)[number];

const ACCOUNT_NAMES: Record<AccountKind, string> = {
  public: 'ann',
  private: 'pia',
  suspended: 'sue',
  deleted: 'dee',
};
const VIEWER_NAMES = {
  follower: 'fol',
  nonFollower: 'non',
  blocked: 'bkd',
  blocker: 'bkr',
  muted: 'mut',
  moderator: 'mdr',
} as const;

export interface Member {
  id: string;
  username: string;
  token: string;
}

/** An account's content: a post tagged #vis, a comment on Tom's public post, a notification to each viewer. */
export interface AccountWorld extends Member {
  postId: string;
  commentId: string;
}

export interface World {
  accounts: Record<AccountKind, AccountWorld>;
  viewers: Record<Exclude<ViewerKind, 'anonymous' | 'owner'>, Member>;
  tomPostId: string;
  /** The signed-in viewer of a cell, or null for the anonymous one. */
  viewer(kind: ViewerKind, account: AccountKind): Member | null;
}

export function notificationFrom(actor: Member, id: string): Notification {
  return {
    id,
    type: 'follow',
    actor: { id: actor.id, username: actor.username, displayName: '', avatarUrl: null },
    photo: null,
    comment: null,
    report: null,
    export: null,
    read: false,
    createdAt: new Date().toISOString(),
  };
}

/**
 * Builds the world every cell is read from. Everything that is not this part's to write (follows,
 * blocks, mutes, the private, suspended and deleted marks) is written straight into the tables;
 * notifications and socket events are recorded BEFORE the blocks and mutes, as old ones would be.
 */
export async function buildWorld(t: TestApp): Promise<World> {
  const db = t.comp.database.db;
  const set = standing(db);
  const member = async (username: string): Promise<Member> => {
    const token = await t.signUp(username);
    const [row] = await db.select({ id: users.id }).from(users).where(eq(users.username, username));
    return { id: row!.id, username, token };
  };
  const tom = await member('tom');
  const tomPostId = await insertPost(db, { ownerId: tom.id, status: 'ready', caption: 'by tom' });
  const viewers = {} as World['viewers'];
  for (const [kind, name] of Object.entries(VIEWER_NAMES))
    viewers[kind as keyof typeof VIEWER_NAMES] = await member(name);
  const accounts = {} as World['accounts'];
  for (const kind of ACCOUNTS) {
    const m = await member(ACCOUNT_NAMES[kind]);
    const postId = await insertPost(db, { ownerId: m.id, status: 'ready', caption: `#vis by ${m.username}` });
    await db.insert(photoTags).values({ tag: 'vis', photoId: postId, ownerId: m.id });
    const [comment] = await db
      .insert(comments)
      .values({ photoId: tomPostId, photoOwnerId: tom.id, authorId: m.id, body: `${m.username} was here` })
      .returning({ id: comments.id });
    accounts[kind] = { ...m, postId, commentId: comment!.id };
    await db.insert(saves).values({ userId: m.id, photoId: postId, photoOwnerId: m.id });
    for (const v of Object.values(viewers)) {
      await db.insert(saves).values({ userId: v.id, photoId: postId, photoOwnerId: m.id });
      await db.insert(notifications).values({ userId: v.id, actorId: m.id, type: 'follow' });
      await t.comp.services.events.publish(v.id, 'notification', notificationFrom(m, postId));
    }
    await set.follow(viewers.follower.id, m.id);
    await set.follow(viewers.muted.id, m.id);
    await set.block(m.id, viewers.blocked.id);
    await set.block(viewers.blocker.id, m.id);
    await set.mute(viewers.muted.id, m.id);
  }
  await set.makePrivate(accounts.private.id);
  await set.suspend(accounts.suspended.id);
  await set.markDeleted(accounts.deleted.id);
  await set.makeModerator(viewers.moderator.id);
  await db.execute(sql`update photos set comment_count = 4 where id = ${tomPostId}`);
  return {
    accounts,
    viewers,
    tomPostId,
    viewer(kind, account) {
      if (kind === 'anonymous') return null;
      if (kind === 'owner') return accounts[account];
      return viewers[kind];
    },
  };
}
