/**
 * The raw database ceiling: a bare Fastify process that answers `GET /users/:username` with one
 * prepared `pg` query reading the same profile row the API reads (its columns and counters, no
 * viewer, no cache), on the same seeded database. The table compares the API with it: what
 * is left between the two is the API's own work (auth, policy, serialisation, round trips).
 */
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import pg from 'pg';
import { startChild, type Child } from '@graminsta/topology';

export const RAW_PROFILE_PATH = (username: string) => `/users/${encodeURIComponent(username)}`;
/** The raw home feed of `username`: see FEED below. */
export const RAW_FEED_PATH = (username: string) => `/feed/${encodeURIComponent(username)}`;

/** Runs this file as a child process on `databaseUrl`, serving on a free loopback port. */
export async function startPgCeiling(port: number, databaseUrl: string): Promise<Child> {
  return startChild({
    name: 'raw pg ceiling',
    command: process.execPath,
    args: ['--import', 'tsx', fileURLToPath(import.meta.url)],
    env: { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl },
    readyLine: /^pg ceiling listening at (\S+)/,
  });
}

// What a profile shows that does not depend on the viewer; ids as text, as the API sends them.
const PROFILE = {
  name: 'raw_profile',
  text: `select id::text as id, username, display_name, avatar_url, bio, follower_count, following_count,
    photo_count, private, created_at from users
    where lower(username) = lower($1) and deleted_at is null and suspended_at is null`,
};

// The same work as a home-feed page, done the plainest way: one prepared statement returning the
// first 20 ready posts of the accounts the reader follows (and the reader's own), newest first,
// each with its author and its items' variants. No visibility rules, no cursor, no cache: the
// ceiling of one query per page on the same seeded data, which the API's feed is compared with.
const FEED = {
  name: 'raw_feed',
  text: `with reader as (select id from users where lower(username) = lower($1))
    select p.id::text as id, p.caption, p.like_count, p.comment_count, p.created_at,
      u.id::text as owner_id, u.username, u.display_name, u.avatar_url,
      (select coalesce(json_agg(json_build_object('id', m.id::text, 'altText', m.alt_text,
        'width', m.width, 'height', m.height, 'variants', m.variants) order by m.position), '[]')
        from photo_media m where m.photo_id = p.id) as media
    from photos p join users u on u.id = p.owner_id
    where p.status = 'ready' and (p.owner_id = (select id from reader) or p.owner_id in
      (select followee_id from follows where follower_id = (select id from reader)))
    order by p.id desc limit 20`,
};

interface FeedRow {
  id: string;
  caption: string;
  like_count: number;
  comment_count: number;
  created_at: Date;
  owner_id: string;
  username: string;
  display_name: string;
  avatar_url: string | null;
  media: unknown[];
}

interface ProfileRow {
  id: string;
  username: string;
  display_name: string;
  avatar_url: string | null;
  bio: string;
  follower_count: number;
  following_count: number;
  photo_count: number;
  private: boolean;
  created_at: Date;
}

async function serve(): Promise<void> {
  // As many connections as the API's pool uses by default: the comparison is of work, not pool size.
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  pool.on('error', (err) => console.error(`pg pool: ${err.message}`));
  const app = Fastify({ logger: false });
  app.get<{ Params: { username: string } }>('/users/:username', async (request, reply) => {
    const { rows } = await pool.query<ProfileRow>({ ...PROFILE, values: [request.params.username] });
    const u = rows[0];
    if (!u) return reply.code(404).send({ error: { code: 'not_found', message: 'no such user' } });
    return {
      id: u.id,
      username: u.username,
      displayName: u.display_name,
      avatarUrl: u.avatar_url,
      bio: u.bio,
      followerCount: u.follower_count,
      followingCount: u.following_count,
      photoCount: u.photo_count,
      followedByMe: false,
      private: u.private,
      requestedByMe: false,
      blockedByMe: false,
      mutedByMe: false,
      createdAt: u.created_at.toISOString(),
    };
  });
  app.get<{ Params: { username: string } }>('/feed/:username', async (request) => {
    const { rows } = await pool.query<FeedRow>({ ...FEED, values: [request.params.username] });
    return {
      items: rows.map((r) => ({
        id: r.id,
        caption: r.caption,
        likeCount: r.like_count,
        commentCount: r.comment_count,
        createdAt: r.created_at.toISOString(),
        owner: { id: r.owner_id, username: r.username, displayName: r.display_name, avatarUrl: r.avatar_url },
        media: r.media,
      })),
      nextCursor: null,
    };
  });
  const url = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
  console.log(`pg ceiling listening at ${url}`);
  process.once(
    'SIGTERM',
    () =>
      void app
        .close()
        .then(() => pool.end())
        .then(() => process.exit(0)),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  serve().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
