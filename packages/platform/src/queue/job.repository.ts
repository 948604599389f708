import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db.ts';
import type { Json } from '../ports.ts';

export interface ClaimedJob {
  id: string;
  payload: Json;
  /** Counting this run: claims count attempts, so a job that keeps crashing its worker still runs out. */
  attempts: number;
  max_attempts: number;
  /** Seconds between the job being due (run_at) and this claim. */
  waited: number;
}

const seconds = (ms: number) => sql`make_interval(secs => ${ms / 1000}::double precision)`;

/**
 * The SQL of the PostgreSQL queue, on the `jobs` table (jobs.table.ts; raw SQL, as the claim's
 * `FOR UPDATE SKIP LOCKED` subquery reads plainer so). Every write after a claim is guarded by
 * `attempts`, so a worker whose lease was taken over can no longer change the job.
 */
export class JobRepository {
  constructor(private readonly db: Db) {}

  /** A jobId dedupes against a live job; a dead job with the same id is revived instead. */
  async insert(
    name: string,
    jobKey: string | null,
    payload: Json,
    maxAttempts: number,
    delayMs: number,
  ): Promise<void> {
    await this.db.execute(sql`
      insert into jobs (name, job_key, payload, max_attempts, run_at)
      values (${name}, ${jobKey}, ${JSON.stringify(payload)}::jsonb, ${maxAttempts}, now() + ${seconds(delayMs)})
      on conflict (name, job_key) do update set
        payload = excluded.payload, attempts = 0, max_attempts = excluded.max_attempts,
        run_at = excluded.run_at, locked_until = null, last_error = null
      where jobs.attempts >= jobs.max_attempts and (jobs.locked_until is null or jobs.locked_until < now())`);
  }

  /**
   * Leases up to `limit` due jobs; rows other workers hold are skipped, not waited for. Also leased:
   * jobs whose worker died on their last try (lease lapsed, no tries left), to be reaped — their
   * `attempts` then exceeds `max_attempts`, and `reapTries` bounds how often that is tried.
   */
  async claim(name: string, limit: number, leaseMs: number, reapTries: number): Promise<ClaimedJob[]> {
    return this.rows<ClaimedJob>(sql`
      update jobs j set attempts = j.attempts + 1, locked_until = now() + ${seconds(leaseMs)}
      from (
        select id from jobs
        where name = ${name} and run_at <= now()
          and (locked_until is null or locked_until < now())
          and (attempts < max_attempts
            or (locked_until is not null and attempts < max_attempts + ${reapTries}))
        order by run_at, id
        limit ${limit}
        for update skip locked
      ) due
      where j.id = due.id
      returning j.id::text as id, j.payload, j.attempts, j.max_attempts,
        greatest(0, extract(epoch from now() - j.run_at))::float8 as waited`);
  }

  async complete(job: ClaimedJob): Promise<void> {
    await this.db.execute(sql`delete from jobs where id = ${job.id}::bigint and attempts = ${job.attempts}`);
  }

  /** Releases a failed job to run again after `retryInMs`; with no attempts left it stays, dead. */
  async fail(job: ClaimedJob, error: string, retryInMs: number): Promise<void> {
    await this.db.execute(sql`
      update jobs set locked_until = null, last_error = ${error}, run_at = now() + ${seconds(retryInMs)}
      where id = ${job.id}::bigint and attempts = ${job.attempts}`);
  }

  /** The last try failed: its error is kept while the lease still holds it, for the dead-job handler. */
  async recordError(job: ClaimedJob, error: string): Promise<void> {
    await this.db.execute(sql`
      update jobs set last_error = ${error} where id = ${job.id}::bigint and attempts = ${job.attempts}`);
  }

  /** Given up and handled: kept as dead (no lease, never due again) until its jobId is enqueued anew. */
  async bury(job: ClaimedJob): Promise<void> {
    await this.db.execute(sql`
      update jobs set locked_until = null where id = ${job.id}::bigint and attempts = ${job.attempts}`);
  }

  async renewLease(job: ClaimedJob, leaseMs: number): Promise<void> {
    await this.db.execute(sql`
      update jobs set locked_until = now() + ${seconds(leaseMs)}
      where id = ${job.id}::bigint and attempts = ${job.attempts} and locked_until is not null`);
  }

  /** Jobs per name and state; dead = tries spent and no lease (a lapsed lease on the last try is reaped, so active). */
  async depth(names: readonly string[]): Promise<Array<{ job: string; state: string; count: number }>> {
    return this.rows(sql`
      select name as job, state, count(*)::int as count from (
        select name, case
          when attempts >= max_attempts and locked_until is null then 'failed'
          when locked_until > now() then 'active'
          when run_at > now() then 'delayed'
          else 'waiting' end as state
        from jobs where name in (select jsonb_array_elements_text(${JSON.stringify(names)}::jsonb))
      ) s group by name, state`);
  }

  /** Given-up jobs (tries spent, no lease), newest first; failed_at is when their last try was due. */
  async dead(
    names: readonly string[],
    limit: number,
  ): Promise<
    Array<{ job: string; id: string; attempts: number; last_error: string | null; failed_at: Date }>
  > {
    const rows = await this.rows<{
      job: string;
      id: string;
      attempts: number;
      last_error: string | null;
      failed_at: string | Date;
    }>(sql`
      select name as job, id::text as id, max_attempts as attempts, last_error, run_at as failed_at from jobs
      where attempts >= max_attempts and locked_until is null
        and name in (select jsonb_array_elements_text(${JSON.stringify(names)}::jsonb))
      order by run_at desc, id desc limit ${limit}`);
    return rows.map((r) => ({ ...r, failed_at: new Date(r.failed_at) }));
  }

  /** A dead job gets all its tries anew, due now; false when no dead job of that name has that id. */
  async revive(name: string, id: string): Promise<boolean> {
    if (!/^[0-9]{1,19}$/.test(id)) return false;
    const rows = await this.rows(sql`
      update jobs set attempts = 0, run_at = now(), last_error = null
      where id = ${id}::bigint and name = ${name} and attempts >= max_attempts and locked_until is null
      returning id`);
    return rows.length > 0;
  }

  async drop(name: string, id: string): Promise<boolean> {
    if (!/^[0-9]{1,19}$/.test(id)) return false;
    const rows = await this.rows(sql`
      delete from jobs
      where id = ${id}::bigint and name = ${name} and attempts >= max_attempts and locked_until is null
      returning id`);
    return rows.length > 0;
  }

  private async rows<T>(query: SQL): Promise<T[]> {
    const result = (await this.db.execute(query)) as unknown as { rows: T[] };
    return result.rows;
  }
}
