import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '@graminsta/platform';
import { MIGRATIONS_FOLDER } from '@graminsta/core';

export interface SeededSockets {
  userIds: string[];
  /** tokens[i] is a live session of userIds[i], shaped as sign-in makes them (32 random bytes). */
  tokens: string[];
}

/**
 * N users with one live session each, straight in SQL after the project's migrations: the
 * realtime benchmark needs sign-ins, not a social graph, and N sign-ins through the API would
 * be N scrypt hashes. The session row is the one sign-in writes (the token's SHA-256, base64url).
 */
export async function seedSockets(databaseUrl: string, n: number): Promise<SeededSockets> {
  const database = await openDatabase({ url: databaseUrl });
  try {
    await database.migrate(MIGRATIONS_FOLDER);
  } finally {
    await database.close();
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `insert into users (username, password_hash)
       select 'rt' || lpad(g::text, 6, '0'), '!' from generate_series(1, $1::int) g
       returning id::text`,
      [n],
    );
    const userIds = rows.map((r) => r.id);
    const tokens = userIds.map(() => randomBytes(32).toString('base64url'));
    const hashes = tokens.map((t) => createHash('sha256').update(t).digest('base64url'));
    await client.query(
      `insert into sessions (user_id, token_hash, expires_at)
       select u, h, now() + interval '1 day' from unnest($1::bigint[], $2::text[]) as s(u, h)`,
      [userIds, hashes],
    );
    return { userIds, tokens };
  } finally {
    await client.end();
  }
}
