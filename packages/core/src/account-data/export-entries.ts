import type { Readable } from 'node:stream';
import type { UserRow } from '../users/user.repository.ts';
import type { ExportRepository } from './export.repository.ts';
import type { ZipEntry } from './export-zip.ts';

type Variants = Record<string, { key: string; width: number; height: number }> | null;

const POSTS_PER_READ = 100;

/**
 * The item's best stored copy: the widest variant (w2048, never enlarged, so the upload's own size
 * up to that), WebP before AVIF; the square thumbnail is a crop and comes last. Uploaded originals
 * are gone once processed, and every variant was written by the pipeline, which strips all tags.
 */
export function largestVariant(variants: Variants): string | null {
  const all = Object.entries(variants ?? {}).map(([name, v]) => ({ ...v, crop: name === 'thumb' ? 1 : 0 }));
  all.sort((a, b) => a.crop - b.crop || b.width - a.width || webpFirst(a.key) - webpFirst(b.key));
  return all[0]?.key ?? null;
}

const webpFirst = (key: string) => (key.endsWith('.webp') ? 0 : 1);

/** The account with no secret: no password hash, no session or token of any kind. */
function account(user: UserRow) {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    bio: user.bio,
    email: user.email,
    emailVerified: user.email !== null && user.emailVerifiedAt !== null,
    private: user.private,
    role: user.role,
    avatarPhotoId: user.avatarPhotoId,
    followerCount: user.followerCount,
    followingCount: user.followingCount,
    photoCount: user.photoCount,
    createdAt: user.createdAt.toISOString(),
  };
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Every file of an account's export, read page by page; the images are opened one at a time. */
export async function* exportEntries(
  repo: ExportRepository,
  user: UserRow,
  open: (key: string) => Promise<Readable | null>,
): AsyncGenerator<ZipEntry> {
  yield { name: 'account.json', json: account(user) };
  const comments = await repo.comments(user.id);
  yield {
    name: 'comments.json',
    json: comments.map((c) => ({ id: c.id, postId: c.photoId, body: c.body, createdAt: iso(c.createdAt) })),
  };
  const [followers, following] = await Promise.all([
    repo.follows(user.id, 'followers'),
    repo.follows(user.id, 'following'),
  ]);
  const names = (rows: typeof followers) => rows.map((r) => ({ username: r.username, since: iso(r.since) }));
  yield { name: 'follows.json', json: { followers: names(followers), following: names(following) } };
  const likes = await repo.likes(user.id);
  yield { name: 'likes.json', json: likes.map((l) => ({ postId: l.photoId, createdAt: iso(l.createdAt) })) };
  const saved = await repo.saved(user.id);
  yield { name: 'saved.json', json: saved.map((s) => ({ postId: s.photoId, createdAt: iso(s.createdAt) })) };

  // Posts come last: their images stream page by page, and posts.json (text only) closes the zip.
  const posts: unknown[] = [];
  for (let after = '0'; ;) {
    const page = await repo.posts(user.id, after, POSTS_PER_READ);
    const media = await repo.media(page.map((p) => p.id));
    for (const post of page) {
      const items = [];
      for (const item of media.filter((m) => m.photoId === post.id)) {
        const key = largestVariant(item.variants);
        const file = key ? `images/${post.id}-${item.position + 1}.${key.split('.').pop()}` : null;
        if (key && file) yield { name: file, open: () => open(key) };
        items.push({
          id: item.id,
          position: item.position,
          altText: item.altText,
          status: item.status,
          file,
        });
      }
      posts.push({
        id: post.id,
        caption: post.caption,
        tags: post.tags,
        status: post.status,
        createdAt: iso(post.createdAt),
        editedAt: iso(post.editedAt),
        items,
      });
    }
    if (page.length < POSTS_PER_READ) break;
    after = page[page.length - 1]!.id;
  }
  yield { name: 'posts.json', json: posts };
}
