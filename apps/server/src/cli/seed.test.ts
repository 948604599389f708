import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, pgUrlFor, usingPostgres } from '@graminsta/core/testing/test-db';
import { compose } from '../compose.ts';
import { createRuntime } from '../runtime.ts';
import { loadConfig } from '@graminsta/platform';
import { DEMO_PASSWORD, runSeed } from './seed.ts';

describe('graminsta seed', () => {
  let env: Record<string, string>;
  let dbName: string | null = null;
  beforeAll(async () => {
    env = { DATA_DIR: await mkdtemp(join(tmpdir(), 'graminsta-seed-')), LOG_LEVEL: 'silent' };
    if (usingPostgres()) {
      dbName = `graminsta_seed_${process.pid}`;
      await adminQuery(`drop database if exists "${dbName}" with (force)`);
      await adminQuery(`create database "${dbName}"`);
      env.DATABASE_URL = pgUrlFor(dbName);
    }
  });
  afterAll(async () => {
    await rm(env.DATA_DIR!, { recursive: true, force: true });
    if (dbName) await adminQuery(`drop database if exists "${dbName}" with (force)`);
  });

  it('makes a living site: accounts that log in, follows, ready photos with likes', async () => {
    await runSeed(env, { users: 4 });
    // Seeding again adds nothing twice (taken usernames are skipped).
    await runSeed(env, { users: 4 });
    const comp = await compose(createRuntime(loadConfig(env), { defaultMetrics: false }));
    try {
      const { services } = comp;
      const session = await services.accounts.logIn(
        { username: 'bruno', password: DEMO_PASSWORD },
        { ip: '::1' },
      );
      const feed = await services.feed.home(session.user.id, { limit: 50 });
      expect(feed.items.length).toBeGreaterThan(1);
      expect(feed.items.every((p) => p.status === 'ready' && p.variants !== null)).toBe(true);
      const star = await services.users.getProfile('ada', null);
      expect(star.followerCount).toBe(3); // everyone follows the first account
      const explore = await services.feed.explore(null, { limit: 50 });
      expect(explore.items.reduce((n, p) => n + p.likeCount, 0)).toBeGreaterThan(0);
    } finally {
      await comp.close();
    }
  }, 120_000);
});
