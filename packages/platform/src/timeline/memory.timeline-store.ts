import { randomUUID } from 'node:crypto';
import type { TimelineSlice, TimelineStore } from '../ports.ts';

export interface TimelineStoreOptions {
  /** Ids kept per timeline; the oldest go first. */
  maxLength: number;
  /** A timeline nobody reads for this long is dropped (rebuilt on the next read). */
  idleSeconds: number;
}

interface Timeline {
  /** Newest first, as bigints so order is numeric. */
  ids: bigint[];
  /** The claim of a rebuild in progress; null once ready. */
  building: string | null;
  expiresAt: number;
}

/** Timelines in this process (tests, and the contract's reference): the same rules as Redis. */
export class MemoryTimelineStore implements TimelineStore {
  private readonly timelines = new Map<string, Timeline>();

  constructor(
    private readonly opts: TimelineStoreOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async read(userId: string, before: string | undefined, limit: number): Promise<TimelineSlice> {
    const t = this.live(userId);
    if (!t) return { state: 'missing', ids: [], truncated: false };
    if (t.building !== null) return { state: 'building', ids: [], truncated: false };
    t.expiresAt = this.now() + this.opts.idleSeconds * 1000;
    const below = before === undefined ? null : BigInt(before);
    const ids = t.ids.filter((id) => below === null || id < below).slice(0, limit);
    return { state: 'ready', ids: ids.map(String), truncated: t.ids.length >= this.opts.maxLength };
  }

  async beginBuild(userId: string, ms: number): Promise<string | null> {
    if (this.live(userId)) return null;
    const token = randomUUID();
    this.timelines.set(userId, { ids: [], building: token, expiresAt: this.now() + ms });
    return token;
  }

  async finishBuild(userId: string, token: string, ids: readonly string[]): Promise<boolean> {
    const t = this.live(userId);
    if (!t || t.building !== token) return false;
    t.building = null;
    this.add(t, ids);
    t.expiresAt = this.now() + this.opts.idleSeconds * 1000;
    return true;
  }

  async fanOut(userIds: readonly string[], postId: string): Promise<number> {
    let added = 0;
    for (const userId of userIds) {
      const t = this.live(userId);
      if (!t) continue;
      this.add(t, [postId]);
      added += 1;
    }
    return added;
  }

  async drop(userIds: readonly string[]): Promise<void> {
    for (const userId of userIds) this.timelines.delete(userId);
  }

  async close(): Promise<void> {
    this.timelines.clear();
  }

  private live(userId: string): Timeline | null {
    const t = this.timelines.get(userId);
    if (t && t.expiresAt <= this.now()) this.timelines.delete(userId);
    return t && t.expiresAt > this.now() ? t : null;
  }

  private add(t: Timeline, ids: readonly string[]): void {
    const all = new Set([...t.ids, ...ids.map((id) => BigInt(id))]);
    t.ids = [...all].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)).slice(0, this.opts.maxLength);
  }
}
