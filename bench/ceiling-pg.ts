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
