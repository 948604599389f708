import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawQuery } from '@graminsta/core/testing/test-db';
import { createTestApp, type TestApp } from './test-app.ts';

describe('the "changes nothing" snapshot', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const rowCount = async (table: string) =>
    Number((await rawQuery(t.comp.database, `select count(*)::int as n from "${table}"`)).rows[0]?.n);

  it('sees an UPDATE that leaves every row count as it was', async () => {
    await t.signUp('snap.shot');
    const before = await t.snapshot();
    const countBefore = await rowCount('users');
    await rawQuery(t.comp.database, `update users set bio = 'changed behind its back'`);
    // The old, count-only snapshot saw nothing here.
    expect(await rowCount('users')).toBe(countBefore);
    const after = await t.snapshot();
    expect(after).not.toEqual(before);
    expect(after['table users']).not.toBe(before['table users']);
  });

  it('sees a stored file rewritten in place', async () => {
    const dir = join(t.dataDir, 'blobs', 'snapshot-test');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'object'), 'first bytes');
    const before = await t.snapshot();
    await writeFile(join(dir, 'object'), 'other bytes');
    expect(await t.snapshot()).not.toEqual(before);
  });

  it('is equal when nothing changed', async () => {
    expect(await t.snapshot()).toEqual(await t.snapshot());
  });
});
