import pino from 'pino';
import { rawQuery } from '@graminsta/core/testing/test-db';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../testing/test-app.ts';
import { startWorker } from './worker.ts';

const EVERY_MS = 300;
const SOON = { timeout: 30_000, interval: 100 };

/** The worker role's account-data jobs, and what housekeeping does for them, in one process. */
describe('account data in the worker: exports built and expired, deletions never left unfinished', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await startWorker(t.comp, pino({ level: 'silent' }), { housekeepingEveryMs: EVERY_MS });
  });
  afterAll(() => t.close());

  const rows = async (sql: string) => (await rawQuery(t.comp.database, sql)).rows;

  it('builds an asked-for export in the worker, and removes its zip and row once expired', async () => {
    const token = await t.signUp('archivist');
    const asked = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/export',
      headers: { authorization: `Bearer ${token}` },
    });
    const { id } = asked.json() as { id: string };
    await vi.waitFor(async () => {
      const [row] = await rows(`select status, key from account_exports where id = ${BigInt(id)}`);
      expect(row?.status).toBe('ready');
    }, SOON);
    const [{ key }] = (await rows(`select key from account_exports where id = ${BigInt(id)}`)) as [
      { key: string },
    ];
    expect(await t.comp.blobs.head(key)).not.toBeNull();

    await rows(
      `update account_exports set expires_at = now() - interval '1 minute' where id = ${BigInt(id)}`,
    );
    await vi.waitFor(async () => expect(await rows('select id from account_exports')).toEqual([]), SOON);
    expect(await t.comp.blobs.head(key)).toBeNull();
  }, 60_000);

  it('books the deletion again for an account marked deleted whose job was lost', async () => {
    await t.signUp('lost_job');
    // As if the enqueue after the commit never happened: marked, signed out, no job.
    await rows(`update users set deleted_at = now() where username = 'lost_job'`);
    await vi.waitFor(
      async () => expect(await rows(`select id from users where username = 'lost_job'`)).toEqual([]),
      SOON,
    );
  }, 60_000);
});
