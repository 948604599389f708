import { paretoInt, sampleDistinct, seededRandom, zipfSampler, type Random } from '@graminsta/loadgen';

/** The benchmark's data set, made in memory first so every counter is known before any insert. */
export interface Dataset {
  users: SeedUser[];
  follows: SeedFollow[];
  photos: SeedPhoto[];
  likes: SeedLike[];
}

export interface SeedUser {
  id: string;
  username: string;
  displayName: string;
  createdAt: Date;
  followerCount: number;
  followingCount: number;
  photoCount: number;
}

export interface SeedFollow {
  followerId: string;
  followeeId: string;
  createdAt: Date;
}

export interface SeedPhoto {
  id: string;
  ownerId: string;
  caption: string;
  tags: string[];
  /** The post's photos in order: which of the few real images each item shows (1–10 items). */
  media: number[];
  likeCount: number;
  createdAt: Date;
}

export interface SeedLike {
  photoId: string;
  userId: string;
  photoOwnerId: string;
  createdAt: Date;
}

/**
 * How many photos each post holds: `{ items: n }` for every post alike, or `{ carousels, min, max }`
 * for a mix where that share of the posts are carousels of min–max photos (uniform) and the rest
 * single photos.
 */
export type MediaSpec = { items: number } | { carousels: number; min: number; max: number };

export const MAX_MEDIA = 10;

/**
 * `--media` as written on the command line: `N` (every post has N photos, 1–10), or `mix`
 * (40 % of the posts are carousels of 2–6 photos), or `P%:A-B` (P % carousels of A–B photos).
 */
export function parseMediaSpec(text: string): MediaSpec {
  const t = text.trim();
  if (t === 'mix') return { carousels: 0.4, min: 2, max: 6 };
  if (/^\d+$/.test(t)) {
    const items = Number(t);
    if (items >= 1 && items <= MAX_MEDIA) return { items };
  }
  const m = /^(\d+(?:\.\d+)?)%:(\d+)-(\d+)$/.exec(t);
  if (m) {
    const [carousels, min, max] = [Number(m[1]) / 100, Number(m[2]), Number(m[3])];
    if (carousels <= 1 && min >= 2 && min <= max && max <= MAX_MEDIA) return { carousels, min, max };
  }
  throw new Error(
    `--media must be a number of photos per post (1–${MAX_MEDIA}), "mix", or "P%:A-B" (P % of the posts carousels of A–B photos, 2 ≤ A ≤ B ≤ ${MAX_MEDIA}); got "${text}"`,
  );
}

export function describeMedia(spec: MediaSpec): string {
  return 'items' in spec
    ? `${spec.items} photo${spec.items === 1 ? '' : 's'} per post`
    : `${Math.round(spec.carousels * 100)} % carousels of ${spec.min}–${spec.max} photos`;
}

export interface DatasetOptions {
  users: number;
  photosPerUser: number;
  /** Photos per post; one each when not given. */
  media?: MediaSpec;
  images: number;
  seed: number;
  /** The clock the timeline ends at; every seeded id is older than the ids the server makes later. */
  now: number;
}

export const CELEBRITY = 'celebrity';
const DAY = 86_400_000;
// graminsta_next_id's layout: ms since 2026-01-01 << 23 | shard << 10 | sequence.
const ID_EPOCH_MS = 1_767_225_600_000;
const TAGS = ['sunset', 'coffee', 'travel', 'cats', 'food', 'city', 'graminsta'];

export function usernameOf(index: number): string {
  return index === 0 ? CELEBRITY : `user${String(index).padStart(5, '0')}`;
}

/** Ids in the server's own format, made here so thousands of rows in one millisecond never collide. */
function idMaker(): (ms: number) => string {
  let sequence = 0;
  return (ms) => ((BigInt(Math.floor(ms) - ID_EPOCH_MS) << 23n) | BigInt(sequence++ % 1024)).toString();
}

export function makeDataset(opts: DatasetOptions): Dataset {
  if (!Number.isInteger(opts.users) || opts.users < 10)
    throw new Error('the data set needs at least 10 users');
  const random = seededRandom(opts.seed);
  const newId = idMaker();
  const n = opts.users;
  const usersStart = opts.now - 90 * DAY;
  const users: SeedUser[] = Array.from({ length: n }, (_, i) => {
    const createdAt = usersStart + Math.floor((i * 30 * DAY) / n);
    return {
      id: newId(createdAt),
      username: usernameOf(i),
      displayName: i === 0 ? 'The Celebrity' : `User ${i}`,
      createdAt: new Date(createdAt),
      followerCount: 0,
      followingCount: 0,
      photoCount: 0,
    };
  });
  const follows = makeFollows(users, random, opts.now);
  const photos = makePhotos(users, opts, random, newId);
  const likes = makeLikes(users, photos, random, opts.now);
  addMedia(photos, opts.media ?? { items: 1 }, opts.images, opts.seed);
  return { users, follows, photos, likes };
}

/**
 * Gives each post its photos. The counts come from a PRNG of their own, drawn after everything
 * else: users, follows, photos and likes are the same whatever --media says, so runs with
 * different media compare the same site.
 */
function addMedia(photos: SeedPhoto[], spec: MediaSpec, images: number, seed: number): void {
  const random = seededRandom(seed ^ 0x6d656469);
  let next = 0;
  for (const photo of photos) {
    const count =
      'items' in spec ? spec.items : random.next() < spec.carousels ? random.int(spec.min, spec.max) : 1;
    photo.media = Array.from({ length: count }, () => next++ % images);
  }
}

/**
 * Half of everyone follows the celebrity; besides, each user follows a heavy-tailed number of
 * accounts (mostly 3–8, a few up to 200) drawn Zipf-wise, so a few accounts are popular and most are not.
 */
function makeFollows(users: SeedUser[], random: Random, now: number): SeedFollow[] {
  const n = users.length;
  const followees = users.map(() => new Set<number>());
  for (const follower of sampleDistinct(n - 1, Math.floor(n / 2), random)) followees[follower + 1]!.add(0);
  // Rank r is user r + 1: the celebrity is handled above, the rest of the popularity order follows user index.
  const popular = zipfSampler(n - 1, 1.0, 10, random);
  for (let u = 0; u < n; u++) {
    const wanted = paretoInt(random, 3, 1.6, Math.min(200, Math.floor((n - 2) / 2)));
    const mine = followees[u]!;
    const target = mine.size + wanted;
    for (let attempt = 0; mine.size < target && attempt < wanted * 20; attempt++) {
      const followee = popular() + 1;
      if (followee !== u) mine.add(followee);
    }
  }
  const since = now - 59 * DAY;
  const follows: SeedFollow[] = [];
  followees.forEach((set, u) => {
    for (const v of set) {
      users[u]!.followingCount++;
      users[v]!.followerCount++;
      const createdAt = new Date(since + Math.floor(random.next() * 28 * DAY));
      follows.push({ followerId: users[u]!.id, followeeId: users[v]!.id, createdAt });
    }
  });
  return follows;
}

/** The celebrity posts a little more than 1 % of the photos; popular accounts post most of the rest. */
function makePhotos(
  users: SeedUser[],
  opts: DatasetOptions,
  random: Random,
  newId: (ms: number) => string,
): SeedPhoto[] {
  const count = Math.max(10, Math.round(users.length * opts.photosPerUser));
  const celebrityShare = Math.max(10, Math.round(count / 80));
  const poster = zipfSampler(users.length - 1, 1.0, 10, random);
  const start = opts.now - 30 * DAY;
  const step = Math.max(1, Math.floor((29 * DAY) / count));
  const photos: SeedPhoto[] = [];
  for (let j = 0; j < count; j++) {
    const owner = random.next() < celebrityShare / count ? users[0]! : users[poster() + 1]!;
    const tags = [...new Set([random.pick(TAGS), random.pick(TAGS)])];
    const createdAt = start + j * step;
    owner.photoCount++;
    photos.push({
      id: newId(createdAt),
      ownerId: owner.id,
      caption: `Seeded photo ${j} ${tags.map((t) => `#${t}`).join(' ')}`,
      tags,
      media: [],
      likeCount: 0,
      createdAt: new Date(createdAt),
    });
  }
  return photos;
}

/** Celebrity photos draw hundreds of likes, others a heavy-tailed handful; likers are anyone. */
function makeLikes(users: SeedUser[], photos: SeedPhoto[], random: Random, now: number): SeedLike[] {
  const n = users.length;
  const celebrityId = users[0]!.id;
  const likes: SeedLike[] = [];
  for (const photo of photos) {
    const wanted =
      photo.ownerId === celebrityId
        ? paretoInt(random, Math.max(1, Math.floor(n / 40)), 2, Math.floor(n / 2))
        : paretoInt(random, 1, 1.2, Math.min(300, Math.floor(n / 2))) - 1;
    const likers = new Set<number>();
    while (likers.size < wanted) likers.add(random.int(0, n - 1));
    const span = now - 60_000 - photo.createdAt.getTime();
    for (const liker of likers) {
      const createdAt = new Date(photo.createdAt.getTime() + Math.floor(random.next() * span));
      likes.push({ photoId: photo.id, userId: users[liker]!.id, photoOwnerId: photo.ownerId, createdAt });
    }
    photo.likeCount = likers.size;
  }
  return likes;
}
