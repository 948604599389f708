import type { Db } from '@graminsta/platform';
import { photoMedia, photos } from '../db/schema.ts';
import type { StoredVariants } from '../photos/photo.repository.ts';

/**
 * Writes a one-photo post straight into the tables, for tests that need a post in a given state
 * without the upload and the worker: its item gets the same status and variants.
 */
export async function insertPost(
  db: Db,
  values: {
    ownerId: string;
    status?: 'processing' | 'ready' | 'failed';
    variants?: StoredVariants;
    caption?: string;
  },
): Promise<string> {
  const { ownerId, status = 'processing', variants = null, caption = '' } = values;
  const [row] = await db.insert(photos).values({ ownerId, status, caption }).returning({ id: photos.id });
  await db
    .insert(photoMedia)
    .values({ photoId: row!.id, ownerId, position: 0, status, variants, sourceKey: `s/${row!.id}` });
  return row!.id;
}
