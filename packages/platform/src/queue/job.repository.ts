import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db.ts';
import type { Json } from '../ports.ts';

export interface ClaimedJob {
  id: string;
  payload: Json;
  /** Counting this run: claims count attempts, so a job that keeps crashing its worker still runs out. */
  attempts: number;
  max_attempts: number;
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
      returning j.id::text as id, j.payload, j.attempts, j.max_attempts`);
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

  private async rows<T>(query: SQL): Promise<T[]> {
    const result = (await this.db.execute(query)) as unknown as { rows: T[] };
    return result.rows;
  }
}
