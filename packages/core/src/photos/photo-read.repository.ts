import { eq, getTableColumns, sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { likes, photos, saves, users } from '../db/schema.ts';
import { isActive, standingColumns } from '../policies/audience.sql.ts';
import type { OwnerStanding } from '../policies/resources.ts';
import { mediaOf, photoWithOwnerColumns, viewerFlagsOf, type PhotoWithOwner } from './photo.repository.ts';
import type { PhotoEntry, ViewerFlagsEntry } from './photo.entry.ts';

const p = { id: sql.placeholder('id'), viewerId: sql.placeholder('viewerId') };
const photosId = { table: 'photos', column: 'id' };

export interface PhotoForViewer {
  /** The post, its owner and items, with the viewer's like and save. */
  row: PhotoWithOwner & { viewer: ViewerFlagsEntry };
  standing: OwnerStanding;
}

/**
 * The reads behind a photo page, as named prepared statements built once (see FeedRepository).
 * Uncached, a photo page is one statement: the post, its items, its owner, the viewer's standing
 * towards the owner and the viewer's like and save. Cached, each part is its own small statement,
 * run only when its entry is missing.
 */
export class PhotoReadRepository {
  private readonly prepared;

  constructor(db: Db) {
    this.prepared = {
      forViewer: db
        .select({
          ...photoWithOwnerColumns,
          standing: standingColumns(p.viewerId),
          flags: viewerFlagsOf(photosId, p.viewerId),
        })
        .from(photos)
        .innerJoin(users, eq(users.id, photos.ownerId))
        .where(eq(photos.id, p.id))
        .prepare('photo_for_viewer'),
      // Signed out: no follow, block or like can concern the viewer, so nothing of theirs is probed.
      forAnonymous: db
        .select({
          ...photoWithOwnerColumns,
          ownerPrivate: users.private,
          ownerActive: sql<boolean>`${isActive()}`,
        })
        .from(photos)
        .innerJoin(users, eq(users.id, photos.ownerId))
        .where(eq(photos.id, p.id))
        .prepare('photo_for_anonymous'),
      entry: db
        .select({ ...getTableColumns(photos), media: mediaOf(photosId) })
        .from(photos)
        .where(eq(photos.id, p.id))
        .prepare('photo_entry'),
      flags: db
        .select({
          liked: sql<boolean>`exists (select 1 from ${likes} l where l.photo_id = ${p.id} and l.user_id = ${p.viewerId})`,
          saved: sql<boolean>`exists (select 1 from ${saves} s where s.user_id = ${p.viewerId} and s.photo_id = ${p.id})`,
        })
        .from(photos)
        .where(eq(photos.id, p.id))
        .prepare('photo_viewer_flags'),
    };
  }

  async forViewer(id: string, viewerId: string): Promise<PhotoForViewer | null> {
    const [found] = await this.prepared.forViewer.execute({ id, viewerId });
    if (!found) return null;
    const { standing, flags, ...row } = found;
    return {
      row: { ...row, viewer: flags },
      standing: { id: row.photo.ownerId, ...standing },
    };
  }

  async forAnonymous(id: string): Promise<PhotoForViewer | null> {
    const [found] = await this.prepared.forAnonymous.execute({ id });
    if (!found) return null;
    const { ownerPrivate, ownerActive, ...row } = found;
    return {
      row: { ...row, viewer: { liked: false, saved: false } },
      standing: {
        id: row.photo.ownerId,
        private: ownerPrivate,
        active: ownerActive,
        viewerFollows: false,
        blocksViewer: false,
        blockedByViewer: false,
      },
    };
  }

  /** The post and its items, the same for every viewer; null when it is gone. */
  async entry(id: string): Promise<PhotoEntry | null> {
    const [row] = await this.prepared.entry.execute({ id });
    if (!row) return null;
    return {
      ...row,
      createdAt: row.createdAt.toISOString(),
      editedAt: row.editedAt?.toISOString() ?? null,
    };
  }

  /** Whether the viewer likes and saved the post (both false when it is gone). */
  async flags(id: string, viewerId: string): Promise<ViewerFlagsEntry> {
    const [row] = await this.prepared.flags.execute({ id, viewerId });
    return row ?? { liked: false, saved: false };
  }
}
