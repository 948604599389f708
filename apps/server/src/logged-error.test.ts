import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawQuery } from '@graminsta/core/testing/test-db';
import { captureLogs } from './testing/log-capture.ts';
import { createTestApp, type TestApp } from './testing/test-app.ts';

describe('a failed query in the log', () => {
  let t: TestApp;
  const captured = captureLogs('info');
  beforeAll(async () => {
    t = await createTestApp({}, { logger: captured.logger });
    // A constraint the sign-up's INSERT breaks, so the database refuses a row holding a password hash.
    await rawQuery(
      t.comp.database,
      `alter table users add constraint refuse_marked check (display_name not like '%marker-7f3%')`,
    );
  });
  afterAll(() => t.close());

  it('is logged with its code and query, without the parameters or the row they made', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      payload: { username: 'leaky', password: 'hunter2 hunter2', displayName: 'secret marker-7f3' },
    });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('marker-7f3');
    // Neither the hash (a parameter) nor another value of the row appears anywhere in the log.
    const logs = captured.text();
    expect(logs).not.toContain('scrypt$');
    expect(logs).not.toContain('marker-7f3');
    expect(logs).not.toContain('leaky');
    const line = logs.split('\n').find((l) => l.includes('request failed'));
    expect(line).toBeDefined();
    const entry = JSON.parse(line!) as { err: { message: string; cause?: { code?: string } } };
    expect(entry.err.message).toContain('insert into "users"');
    expect(entry.err.cause?.code).toBe('23514');
  });
});
