import { sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { schema } from '@graminsta/core';
import type { Dataset } from './dataset.ts';
import type { SeedImage } from './images.ts';

const { follows, likes, photoMedia, photoTags, photos, users } = schema;

// PostgreSQL allows 65,535 bind parameters per statement; stay well under it.
const MAX_PARAMS = 30_000;

async function insertChunked<R extends object>(
  rows: R[],
  write: (chunk: R[]) => Promise<unknown>,
): Promise<void> {
  const columns = Math.max(1, Object.keys(rows[0] ?? {}).length);
  const size = Math.floor(MAX_PARAMS / columns);
  for (let i = 0; i < rows.length; i += size) await write(rows.slice(i, i + size));
}

/** Multi-row inserts of the whole data set in one transaction: a failed seed leaves nothing behind. */
export async function insertDataset(db: Db, data: Dataset, images: SeedImage[], passwordHash: string) {
  await db.transaction(async (tx) => {
    await insertChunked(
      data.users.map((u) => ({ ...u, passwordHash })),
      (chunk) => tx.insert(users).values(chunk),
    );
    await insertChunked(data.follows, (chunk) => tx.insert(follows).values(chunk));
    const photoRows = data.photos.map((p) => ({
      id: p.id,
      ownerId: p.ownerId,
      caption: p.caption,
      status: 'ready' as const,
      likeCount: p.likeCount,
      createdAt: p.createdAt,
    }));
    await insertChunked(photoRows, (chunk) => tx.insert(photos).values(chunk));
    // Item ids come from the column default (graminsta_next_id), as the server's own inserts do.
    const mediaRows = data.photos.flatMap((p) =>
      p.media.map((index, position) => {
        const image = images[index]!;
        return {
          photoId: p.id,
          ownerId: p.ownerId,
          position,
          altText: `Seeded image ${index}, item ${position + 1} of ${p.media.length}`,
          status: 'ready' as const,
          sourceKey: image.sourceKey,
          variants: image.variants,
          placeholderColor: image.placeholderColor,
          width: image.width,
          height: image.height,
          createdAt: p.createdAt,
        };
      }),
    );
    await insertChunked(mediaRows, (chunk) => tx.insert(photoMedia).values(chunk));
    const tagRows = data.photos.flatMap((p) =>
      p.tags.map((tag) => ({ tag, photoId: p.id, ownerId: p.ownerId })),
    );
    await insertChunked(tagRows, (chunk) => tx.insert(photoTags).values(chunk));
    await insertChunked(data.likes, (chunk) => tx.insert(likes).values(chunk));
  });
  // Fresh statistics, as a long-running database would have: the planner must not guess on a bulk load.
  await db.execute(sql`analyze`);
}

export interface Mismatch {
  check: string;
  expected: number;
  actual: number;
}

/** Recounts every counter from the rows it counts; any difference is a broken seed. */
export async function verifyDataset(db: Db, data: Dataset): Promise<Mismatch[]> {
  const count = async (
    table: typeof users | typeof follows | typeof photos | typeof likes | typeof photoMedia,
  ) => {
    const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(table);
    return row?.n ?? -1;
  };
  const [badUsers] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .where(
      sql`${users.followerCount} <> (select count(*) from follows f where f.followee_id = ${users.id})
        or ${users.followingCount} <> (select count(*) from follows f where f.follower_id = ${users.id})
        or ${users.photoCount} <> (select count(*) from photos p where p.owner_id = ${users.id})`,
    );
  const [badPhotos] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(photos)
    .where(sql`${photos.likeCount} <> (select count(*) from likes l where l.photo_id = ${photos.id})`);
  // Every post's items sit at positions 0…n-1, once each, all ready like the post.
  const [badPosts] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(photos)
    .where(
      sql`(select count(*) from photo_media m where m.photo_id = ${photos.id})
        <> (select count(distinct m.position) from photo_media m
            where m.photo_id = ${photos.id} and m.position >= 0 and m.status = 'ready'
              and m.position < (select count(*) from photo_media m2 where m2.photo_id = ${photos.id}))
        or not exists (select 1 from photo_media m where m.photo_id = ${photos.id})`,
    );
  const [celebrity] = await db
    .select({ n: users.followerCount })
    .from(users)
    .where(sql`${users.username} = ${data.users[0]!.username}`);
  const checks: Mismatch[] = [
    { check: 'users', expected: data.users.length, actual: await count(users) },
    { check: 'follows', expected: data.follows.length, actual: await count(follows) },
    { check: 'photos', expected: data.photos.length, actual: await count(photos) },
    { check: 'likes', expected: data.likes.length, actual: await count(likes) },
    {
      check: 'photo_media items',
      expected: data.photos.reduce((n, p) => n + p.media.length, 0),
      actual: await count(photoMedia),
    },
    { check: 'posts whose items are not ready at positions 0…n-1', expected: 0, actual: badPosts?.n ?? -1 },
    { check: 'users whose counters differ from their rows', expected: 0, actual: badUsers?.n ?? -1 },
    { check: 'photos whose like_count differs from their rows', expected: 0, actual: badPhotos?.n ?? -1 },
    { check: 'celebrity followers', expected: Math.floor(data.users.length / 2), actual: celebrity?.n ?? -1 },
  ];
  return checks.filter((c) => c.expected !== c.actual);
}
