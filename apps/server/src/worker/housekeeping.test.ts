import pino from 'pino';
import { rawQuery } from '@graminsta/core/testing/test-db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresQueue } from '@graminsta/platform';
import { createTestApp, type TestApp } from '../testing/test-app.ts';
import { scheduleHousekeeping } from './housekeeping.ts';
import { startWorker } from './worker.ts';

const EVERY_MS = 300;

/** Polls until `check` holds; generous, since two busy cores make timers late. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('housekeeping: a recurring job that removes expired, unused uploads', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp();
    await startWorker(t.comp, pino({ level: 'silent' }), { housekeepingEveryMs: EVERY_MS });
    token = await t.signUp('forgetful');
  });
  afterAll(() => t.close());

  async function receivedUpload(): Promise<{ id: string; key: string }> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: { authorization: `Bearer ${token}` },
      payload: { contentType: 'image/jpeg', size: 5 },
    });
    const { uploadId, upload } = res.json() as { uploadId: string; upload: { url: string } };
    expect(
      (await t.sendUpload({ ...upload, headers: { 'content-type': 'image/jpeg' } }, Buffer.from('bytes')))
        .statusCode,
    ).toBe(201);
    const key = new URL(upload.url, 'http://x').pathname.replace(/^\/storage\/uploads\//, '');
    return { id: uploadId, key };
  }
  // The clock the test controls: the row's expiry moves into the past.
  const expire = (id: string) =>
    rawQuery(
      t.comp.database,
      `update uploads set expires_at = now() - interval '1 minute' where id = ${BigInt(id)}`,
    );
  const gone = async (upload: { id: string; key: string }) => {
    const rows = await rawQuery(t.comp.database, `select 1 from uploads where id = ${BigInt(upload.id)}`);
    return rows.rows.length === 0 && (await t.comp.blobs.head(upload.key)) === null;
  };

  it('removes each expired upload, rows and bytes, run after run, and leaves open ones', async () => {
    const open = await receivedUpload();
    const first = await receivedUpload();
    await expire(first.id);
    await eventually(() => gone(first));

    // A later run (the job books its own next one) takes an upload that expires afterwards.
    const second = await receivedUpload();
    await expire(second.id);
    await eventually(() => gone(second));

    expect(await gone(open)).toBe(false);
    expect(await t.comp.blobs.head(open.key)).not.toBeNull();
  }, 90_000);

  it('is booked once per time slot on the PostgreSQL job table, however many workers book it', async () => {
    const queue = new PostgresQueue({ db: t.comp.database.db });
    const booked = async () =>
      (await rawQuery(t.comp.database, `select payload from jobs where name = 'housekeeping' order by id`))
        .rows;
    const now = Date.now();
    await Promise.all([1, 2, 3].map(() => scheduleHousekeeping(queue, 60_000, -1, now)));
    const slot = Math.floor(now / 60_000) + 1;
    expect(await booked()).toEqual([{ payload: { slot } }]);
    // A run of that slot books the next one, even if its clock is a little behind.
    await scheduleHousekeeping(queue, 60_000, slot, now);
    expect((await booked()).map((r) => r.payload)).toEqual([{ slot }, { slot: slot + 1 }]);
    await queue.close();
  });
});
