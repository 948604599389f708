import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { followRequests, photos, users } from '../db/schema.ts';
import type { PhotoRow } from '../photos/photo.repository.ts';
import type { UserRow } from '../users/user.repository.ts';
import { isActive, muting, notBlockedWith, standingColumns } from './audience.sql.ts';
import type { OwnerStanding, Viewer } from './resources.ts';

const lowerUsername = sql`lower(${users.username})`;

/** An account found by name, with the viewer's standing towards it and the profile's flags. */
export interface UserWithStanding {
  user: UserRow;
  owner: OwnerStanding;
  requestedByMe: boolean;
  mutedByMe: boolean;
}

/**
 * Loads the viewer's standing towards an account (OwnerStanding) in one statement, for the
 * policy to decide on without querying.
 */
export class StandingRepository {
  constructor(private readonly db: Db) {}

  /** The standing of `viewer` towards `ownerId`; an account that is gone reads as inactive. */
  async owner(viewer: Viewer, ownerId: string, tx: Db = this.db): Promise<OwnerStanding> {
    const [row] = await tx
      .select({ id: users.id, ...standingColumns(viewer) })
      .from(users)
      .where(eq(users.id, ownerId));
    return (
      row ?? {
        id: ownerId,
        private: false,
        active: false,
        viewerFollows: false,
        blocksViewer: false,
        blockedByViewer: false,
      }
    );
  }

  /** A post and the viewer's standing towards its owner, in one statement (a like costs no more than before). */
  async photo(
    photoId: string,
    viewer: Viewer,
    tx: Db = this.db,
  ): Promise<{ photo: PhotoRow; owner: OwnerStanding } | null> {
    const [row] = await tx
      .select({ photo: photos, id: users.id, ...standingColumns(viewer) })
      .from(photos)
      .innerJoin(users, eq(users.id, photos.ownerId))
      .where(eq(photos.id, photoId));
    if (!row) return null;
    const { photo, ...owner } = row;
    return { photo, owner };
  }

  /** The account named `username` (any case), with everything a profile page says about the viewer. */
  async byUsername(username: string, viewer: Viewer, tx: Db = this.db): Promise<UserWithStanding | null> {
    const [row] = await tx
      .select({
        user: users,
        standing: standingColumns(viewer),
        requestedByMe: sql<boolean>`exists (select 1 from ${followRequests} fr where fr.target_id = ${users.id} and fr.requester_id = ${viewer})`,
        mutedByMe: muting(viewer, users.id),
      })
      .from(users)
      .where(sql`${lowerUsername} = ${username.toLowerCase()}`);
    if (!row) return null;
    return {
      user: row.user,
      owner: { id: row.user.id, ...row.standing },
      requestedByMe: row.requestedByMe,
      mutedByMe: row.mutedByMe,
    };
  }

  /**
   * Whether `actorId` may reach `recipientId` with a notification: the actor is active, there is
   * no block either way, and (for the kinds a mute covers) the recipient has not muted the actor.
   */
  async mayNotify(
    recipientId: string,
    actorId: string,
    muteApplies: boolean,
    tx: Db = this.db,
  ): Promise<boolean> {
    const rows = await tx
      .select({ one: sql`1` })
      .from(users)
      .where(
        and(
          eq(users.id, actorId),
          isActive(),
          notBlockedWith(recipientId, actorId),
          muteApplies ? sql`not ${muting(recipientId, actorId)}` : undefined,
        ),
      );
    return rows.length > 0;
  }

  /**
   * How `recipientId` stands towards each of `actorIds` now: `barred` are gone (suspended,
   * deleted, no longer there) or blocked either way; `muted` the recipient muted.
   */
  async actorsStanding(
    recipientId: string,
    actorIds: string[],
  ): Promise<{ barred: Set<string>; muted: Set<string> }> {
    const unique = [...new Set(actorIds)];
    if (unique.length === 0) return { barred: new Set(), muted: new Set() };
    const rows = await this.db
      .select({ id: users.id, muted: muting(recipientId, users.id) })
      .from(users)
      .where(and(inArray(users.id, unique), isActive(), notBlockedWith(recipientId, users.id)));
    const present = new Set(rows.map((r) => r.id));
    return {
      barred: new Set(unique.filter((id) => !present.has(id))),
      muted: new Set(rows.filter((r) => r.muted).map((r) => r.id)),
    };
  }
}
