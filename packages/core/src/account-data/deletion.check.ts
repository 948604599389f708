/** Test helpers: what "no row or object of the account is left" means, checked against the live schema. */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Database } from '@graminsta/platform';
import { rawQuery } from '../testing/test-db.ts';

/**
 * Every id column of the schema, by what it may hold. A column missing here (a new table or a new
 * column) fails the test: whoever adds it decides whether deleting an account must clear it.
 * `kept`: the moderators' record, which stays when the account goes (reports about it, actions).
 */
export const ID_COLUMNS: Record<string, 'cleared' | 'kept'> = {
  'users.id': 'cleared',
  'users.avatar_photo_id': 'cleared',
  'sessions.id': 'cleared',
  'sessions.user_id': 'cleared',
  'follows.follower_id': 'cleared',
  'follows.followee_id': 'cleared',
  'uploads.id': 'cleared',
  'uploads.owner_id': 'cleared',
  'uploads.photo_id': 'cleared',
  'photos.id': 'cleared',
  'photos.owner_id': 'cleared',
  'photo_media.id': 'cleared',
  'photo_media.photo_id': 'cleared',
  'photo_media.owner_id': 'cleared',
  'photo_tags.photo_id': 'cleared',
  'photo_tags.owner_id': 'cleared',
  'likes.photo_id': 'cleared',
  'likes.user_id': 'cleared',
  'likes.photo_owner_id': 'cleared',
  'saves.id': 'cleared',
  'saves.user_id': 'cleared',
  'saves.photo_id': 'cleared',
  'saves.photo_owner_id': 'cleared',
  'comments.id': 'cleared',
  'comments.photo_id': 'cleared',
  'comments.photo_owner_id': 'cleared',
  'comments.author_id': 'cleared',
  'notifications.id': 'cleared',
  'notifications.user_id': 'cleared',
  'notifications.actor_id': 'cleared',
  'notifications.photo_id': 'cleared',
  'notifications.comment_id': 'cleared',
  'notifications.subject_id': 'cleared',
  'user_events.id': 'cleared',
  'user_events.user_id': 'cleared',
  'idempotency_keys.user_id': 'cleared',
  'follow_requests.requester_id': 'cleared',
  'follow_requests.target_id': 'cleared',
  'blocks.blocker_id': 'cleared',
  'blocks.blocked_id': 'cleared',
  'mutes.muter_id': 'cleared',
  'mutes.muted_id': 'cleared',
  'reports.id': 'cleared',
  'reports.reporter_id': 'cleared',
  'reports.target_id': 'kept',
  'reports.target_owner_id': 'kept',
  'moderation_actions.id': 'cleared',
  'moderation_actions.report_id': 'cleared',
  'moderation_actions.moderator_id': 'kept',
  'moderation_actions.target_id': 'kept',
  'email_tokens.id': 'cleared',
  'email_tokens.user_id': 'cleared',
  'account_exports.id': 'cleared',
  'account_exports.user_id': 'cleared',
  'jobs.id': 'cleared',
};

interface Column {
  table: string;
  column: string;
  type: string;
}

async function columns(db: Database): Promise<Column[]> {
  const { rows } = await rawQuery(
    db,
    `select table_name, column_name, data_type from information_schema.columns
     where table_schema = 'public' order by table_name, column_name`,
  );
  return rows.map((r) => ({
    table: String(r.table_name),
    column: String(r.column_name),
    type: String(r.data_type),
  }));
}

/** Id columns of the live schema that ID_COLUMNS does not classify. */
export async function unclassifiedIdColumns(db: Database): Promise<string[]> {
  return (await columns(db))
    .filter((c) => c.type === 'bigint')
    .map((c) => `${c.table}.${c.column}`)
    .filter((name) => !(name in ID_COLUMNS));
}

/**
 * Where any of `ids` still appears: every bigint column (but the kept ones), and every text and
 * JSON column as a substring (object keys, event payloads, counter keys).
 */
export async function leftovers(db: Database, ids: string[], words: string[] = []): Promise<string[]> {
  const found: string[] = [];
  for (const c of await columns(db)) {
    const name = `${c.table}.${c.column}`;
    let where: string | null = null;
    if (c.type === 'bigint' && ID_COLUMNS[name] !== 'kept') where = `"${c.column}" in (${ids.join(', ')})`;
    if (c.type === 'text' || c.type === 'jsonb') {
      const needles = [...ids, ...words].map((n) => `"${c.column}"::text like '%${n}%'`);
      where = needles.join(' or ');
    }
    if (!where) continue;
    const { rows } = await rawQuery(db, `select count(*)::int as n from "${c.table}" where ${where}`);
    const n = Number(rows[0]?.n ?? 0);
    if (n > 0) found.push(`${name}: ${n}`);
  }
  return found;
}

/** Counters that disagree with the rows they count, on every account and post. */
export async function wrongCounters(db: Database): Promise<string[]> {
  const { rows } = await rawQuery(
    db,
    `select 'user ' || u.username as what from users u where
       u.follower_count <> (select count(*) from follows f where f.followee_id = u.id)
       or u.following_count <> (select count(*) from follows f where f.follower_id = u.id)
       or u.photo_count <> (select count(*) from photos p where p.owner_id = u.id)
     union all
     select 'post ' || p.id from photos p where
       p.like_count <> (select count(*) from likes l where l.photo_id = p.id)
       or p.comment_count <> (select count(*) from comments c where c.photo_id = p.id)`,
  );
  return rows.map((r) => String(r.what));
}

/** Every key the local disk store holds. */
export async function storedKeys(dir: string): Promise<string[]> {
  const root = join(dir, 'objects');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
}
