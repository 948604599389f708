import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import {
  MemoryPubSub,
  RedisTimelineStore,
  openRedis,
  whenReady,
  type RedisConnection,
} from '@graminsta/platform';
import { photos, users } from '../db/schema.ts';
import { EventServiceImpl } from '../events/event.service.ts';
import { NotifierImpl } from '../notifications/notification.service.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { UserServiceImpl } from '../users/user.service.ts';
import { FeedServiceImpl } from './feed.service.ts';
import type { TimelineOutcome } from './timeline.feed.ts';
import { timelineHooks } from './timeline.hooks.ts';

const blobs = { publicUrl: (key: string) => `https://cdn.test/${key}` };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A Redis of this test's own, which it can kill (never the shared one). */
function startRedis(port: number): ChildProcess {
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  child.on('error', () => {});
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('home feed while Redis is away', () => {
  let t: TestDatabase;
  let port: number;
  let redis: ChildProcess;
  let client: RedisConnection;
  let feed: FeedServiceImpl;
  let usersSvc: UserServiceImpl;
  const outcomes: TimelineOutcome[] = [];
  const booked: Array<{ name: string; payload: unknown }> = [];
  const id: Record<string, string> = {};
  const pageIds = async (viewer: string) => (await feed.home(viewer, { limit: 50 })).items.map((p) => p.id);

  beforeAll(async () => {
    port = await freePort();
    redis = startRedis(port);
    client = openRedis({ url: `redis://127.0.0.1:${port}`, onError: () => {}, commandTimeoutMs: 300 });
    await whenReady(client, 10_000);
    t = await createTestDatabase();
    const db = t.database.db;
    const store = new RedisTimelineStore({ client, maxLength: 100, idleSeconds: 60 });
    const queue = { enqueue: async (name: string, payload: unknown) => void booked.push({ name, payload }) };
    const notifier = new NotifierImpl({
      db,
      blobs,
      events: new EventServiceImpl({ db, pubsub: new MemoryPubSub() }),
    });
    usersSvc = new UserServiceImpl({ db, notifier, timelines: timelineHooks({ store, queue }) });
    feed = new FeedServiceImpl({
      db,
      blobs,
      timelines: { store, celebrityFollowers: 1000, onOutcome: (o) => outcomes.push(o) },
    });
    for (const username of ['viewer', 'author', 'later']) {
      const [row] = await db.insert(users).values({ username, passwordHash: 'x' }).returning();
      id[username] = row!.id;
    }
    await usersSvc.follow(id.viewer!, 'author');
    for (const owner of ['author', 'later', 'author']) {
      const [row] = await db.insert(photos).values({ ownerId: id[owner]!, status: 'ready' }).returning();
      await db.execute(
        sql`insert into photo_media (photo_id, owner_id, position, status, source_key) values (${row!.id}, ${id[owner]!}, 0, 'ready', 'k')`,
      );
    }
  });
  afterAll(async () => {
    client.disconnect();
    await stopRedis(redis);
    await t.close();
  });

  it('serves the feed from the database with Redis killed, and from timelines again once it is back', async () => {
    const healthy = await pageIds(id.viewer!);
    expect(healthy).toHaveLength(2);
    expect(outcomes).toEqual(['rebuilt', 'hit']);

    await stopRedis(redis);
    outcomes.length = 0;
    // No request fails: every read answers the same page from the database.
    for (let i = 0; i < 20; i += 1) expect(await pageIds(id.viewer!)).toEqual(healthy);
    expect(outcomes.filter((o) => o === 'hit')).toEqual([]);
    expect(outcomes).toContain('store_error');
    // A follow while Redis is away books the timeline's drop for later instead of failing.
    await usersSvc.follow(id.viewer!, 'later');
    expect(booked).toEqual([{ name: 'timeline.drop', payload: { userIds: [id.viewer!] } }]);
    // A fan-out job fails (and is retried by the queue) rather than losing the post silently.
    const [fresh] = await t.database.db
      .insert(photos)
      .values({ ownerId: id.author!, status: 'ready' })
      .returning();
    await expect(feed.fanOut(fresh!.id)).rejects.toThrow();
    await t.database.db.delete(photos).where(sql`${photos.id} = ${fresh!.id}`);
    const withLater = await pageIds(id.viewer!);
    expect(withLater).toHaveLength(3);

    redis = startRedis(port);
    await vi.waitFor(() => expect(client.status).toBe('ready'), { timeout: 10_000, interval: 50 });
    await feed.dropTimelines([id.viewer!]); // the booked job, run by the worker
    outcomes.length = 0;
    expect(await pageIds(id.viewer!)).toEqual(withLater);
    expect(await pageIds(id.viewer!)).toEqual(withLater);
    expect(outcomes).toEqual(['rebuilt', 'hit', 'hit']);
  });
});
