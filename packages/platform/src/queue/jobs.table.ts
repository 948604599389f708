import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * The table of PostgresQueue (stages 2–5), defined beside the only code that reads it. Core's
 * schema re-exports it, so drizzle-kit still sees every table in one file and makes its migrations.
 */
export const jobs = pgTable(
  'jobs',
  {
    // The ids every table takes from graminsta_next_id (core's migrations create the function).
    id: bigint('id', { mode: 'bigint' })
      .primaryKey()
      .default(sql`graminsta_next_id(0)`),
    name: text('name').notNull(),
    jobKey: text('job_key'),
    payload: jsonb('payload').notNull(),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(3),
    runAt: ts('run_at').notNull().defaultNow(),
    lockedUntil: ts('locked_until'),
    lastError: text('last_error'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('jobs_due_idx').on(t.name, t.runAt), uniqueIndex('jobs_key_key').on(t.name, t.jobKey)],
);
