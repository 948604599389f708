import pg from 'pg';

/**
 * Makes each of `usernames` follow `others` more accounts besides whom they already follow (the
 * accounts with the most posts first, never the celebrity, whom they follow already), with the
 * counters kept right: the home feed of a celebrity follower who follows about 200 others.
 * Returns how many accounts each now follows.
 */
export async function addHeavyFollows(
  databaseUrl: string,
  usernames: readonly string[],
  others: number,
): Promise<number[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const counts: number[] = [];
    for (const username of usernames) {
      await client.query('begin');
      const { rows } = await client.query<{ id: string; following_count: number }>(
        'select id, following_count from users where username = $1',
        [username],
      );
      const me = rows[0];
      if (!me) throw new Error(`no seeded user ${username}`);
      const wanted = Math.max(0, others + 1 - me.following_count);
      await client.query(
        `with picked as (
           select u.id from users u
           where u.id <> $1 and u.username <> 'celebrity'
             and not exists (select 1 from follows f where f.follower_id = $1 and f.followee_id = u.id)
           order by u.photo_count desc, u.id limit $2),
         added as (
           insert into follows (follower_id, followee_id, created_at)
           select $1, id, now() from picked returning followee_id)
         update users set follower_count = follower_count + 1 where id in (select followee_id from added)`,
        [me.id, wanted],
      );
      const updated = await client.query<{ following_count: number }>(
        `update users set following_count = (select count(*) from follows where follower_id = $1)
         where id = $1 returning following_count`,
        [me.id],
      );
      await client.query('commit');
      counts.push(updated.rows[0]!.following_count);
    }
    await client.query('analyze follows');
    return counts;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}
