import { randomUUID } from 'node:crypto';
import type { TimelineSlice, TimelineStore } from '../ports.ts';
import type { TimelineStoreOptions } from './memory.timeline-store.ts';
import type { RedisConnection } from '../cache/redis-client.ts';

/*
 * A timeline is a sorted set whose members all score 0 and are ids zero-padded to 19 digits, so
 * their lexical order is their numeric order: a score is a double, which cannot hold a 64-bit id.
 * Rank 0 is always a marker that sorts below every id: BUILDING while a rebuild fills it, READY
 * after. A rebuild's claim lives beside it under the same hash tag, so a Cluster keeps the two
 * keys on one node and every script below touches one slot.
 */
const WIDTH = 19;
const BUILDING = '0'.repeat(WIDTH);
const READY = `${'0'.repeat(WIDTH - 1)}1`;

// Drops the oldest ids past the maximum length, keeping the marker at rank 0.
const TRIM = `
local n = redis.call('ZCARD', KEYS[1])
local max = tonumber(ARGV[2])
if n - 1 > max then redis.call('ZREMRANGEBYRANK', KEYS[1], 1, n - 1 - max) end`;

const SCRIPTS = {
  // ARGV: upper bound ('+' or '(' .. id), limit, idle seconds, max length
  timelineRead: {
    numberOfKeys: 1,
    lua: `
local first = redis.call('ZRANGE', KEYS[1], 0, 0)
if #first == 0 then return {'missing', 0, {}} end
if first[1] ~= '${READY}' then return {'building', 0, {}} end
redis.call('EXPIRE', KEYS[1], ARGV[3])
local ids = redis.call('ZRANGE', KEYS[1], ARGV[1], '(${READY}', 'BYLEX', 'REV', 'LIMIT', 0, ARGV[2])
return {'ready', redis.call('ZCARD', KEYS[1]) - 1, ids}`,
  },
  // KEYS: timeline, claim; ARGV: token, ms
  timelineBegin: {
    numberOfKeys: 2,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('ZADD', KEYS[1], 0, '${BUILDING}')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 1`,
  },
  // KEYS: timeline, claim; ARGV: token, max length, idle seconds, ids…
  timelineFinish: {
    numberOfKeys: 2,
    lua: `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[1], '${BUILDING}')
redis.call('ZADD', KEYS[1], 0, '${READY}')
for i = 4, #ARGV, 500 do
  local batch = {}
  for j = i, math.min(i + 499, #ARGV) do
    batch[#batch + 1] = 0
    batch[#batch + 1] = ARGV[j]
  end
  redis.call('ZADD', KEYS[1], unpack(batch))
end
${TRIM}
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`,
  },
  // Only into a timeline that exists: a missing one is rebuilt from the database when read.
  // ARGV: id, max length
  timelineAdd: {
    numberOfKeys: 1,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], 0, ARGV[1])
${TRIM}
return 1`,
  },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type Scripted = Record<ScriptName, (...args: Array<string | number>) => Promise<unknown>>;

export interface RedisTimelineStoreOptions extends TimelineStoreOptions {
  client: RedisConnection;
  /** Prefix of every key (tests use one per run). */
  prefix?: string;
}

const pad = (id: string) => id.padStart(WIDTH, '0');
const unpad = (member: string) => member.replace(/^0+/, '');
/** The `max` newest of `ids` (in any order): a script's arguments stay bounded. */
const newest = (ids: readonly string[], max: number) =>
  [...ids].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : BigInt(b) < BigInt(a) ? -1 : 0)).slice(0, max);

/** Home timelines in Redis (TIMELINES=on): one sorted set per user, bounded and dropped when idle. */
export class RedisTimelineStore implements TimelineStore {
  private readonly client: RedisConnection;
  private readonly scripts: Scripted;
  private readonly prefix: string;

  constructor(private readonly opts: RedisTimelineStoreOptions) {
    this.client = opts.client;
    this.prefix = opts.prefix ?? 'tl:';
    for (const [name, def] of Object.entries(SCRIPTS)) this.client.defineCommand(name, def);
    // defineCommand adds methods ioredis cannot type.
    this.scripts = this.client as unknown as Scripted;
  }

  async read(userId: string, before: string | undefined, limit: number): Promise<TimelineSlice> {
    const upper = before === undefined ? '+' : `(${pad(before)}`;
    const [state, size, ids] = (await this.scripts.timelineRead(
      this.key(userId),
      upper,
      limit,
      this.opts.idleSeconds,
      this.opts.maxLength,
    )) as [TimelineSlice['state'], number, string[]];
    return { state, ids: ids.map(unpad), truncated: size >= this.opts.maxLength };
  }

  async beginBuild(userId: string, ms: number): Promise<string | null> {
    const token = randomUUID();
    const won = await this.scripts.timelineBegin(this.key(userId), this.claim(userId), token, ms);
    return won === 1 ? token : null;
  }

  async finishBuild(userId: string, token: string, ids: readonly string[]): Promise<boolean> {
    const done = await this.scripts.timelineFinish(
      this.key(userId),
      this.claim(userId),
      token,
      this.opts.maxLength,
      this.opts.idleSeconds,
      ...newest(ids, this.opts.maxLength).map(pad),
    );
    return done === 1;
  }

  async fanOut(userIds: readonly string[], postId: string): Promise<number> {
    // One command per timeline, sent together: auto-pipelining batches them per node.
    const added = await Promise.all(
      userIds.map((u) => this.scripts.timelineAdd(this.key(u), pad(postId), this.opts.maxLength)),
    );
    return added.filter((a) => a === 1).length;
  }

  async drop(userIds: readonly string[]): Promise<void> {
    await Promise.all(userIds.map((u) => this.client.del(this.key(u), this.claim(u))));
  }

  async close(): Promise<void> {
    // The client is the composition's, shared with other adapters: it closes it.
  }

  private key(userId: string): string {
    return `${this.prefix}{${userId}}:ids`;
  }

  private claim(userId: string): string {
    return `${this.prefix}{${userId}}:build`;
  }
}
