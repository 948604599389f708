import { afterAll, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { Photo, UserEvent } from '@graminsta/contracts';
import { MemoryPubSub } from '@graminsta/platform/pubsub/memory.pubsub';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { EventServiceImpl } from './event.service.ts';

const HOUR = 3600 * 1000;

/** A small event whose data tells events apart (`reason`). */
const failed = (reason: string | number) => ({ photoId: '77', reason: String(reason) });
const reasonOf = (e: UserEvent) => (e.type === 'photo.failed' ? e.data.reason : null);

describe('EventService', () => {
  let t: TestDatabase;
  let pubsub: MemoryPubSub;
  let clock: Date;
  let events: EventServiceImpl;

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    await t.reset();
    pubsub = new MemoryPubSub();
    clock = new Date('2026-03-01T12:00:00Z');
    events = new EventServiceImpl({ db: t.database.db, pubsub, now: () => clock });
  });

  it('delivers published events to the subscribers of that user only, until they unsubscribe', async () => {
    const mine: UserEvent[] = [];
    const theirs: UserEvent[] = [];
    const stop = await events.subscribe('1', (e) => mine.push(e));
    await events.subscribe('2', (e) => theirs.push(e));

    const published = await events.publish('1', 'photo.failed', failed('not an image'));
    expect(published).toEqual({
      id: expect.stringMatching(/^\d+$/),
      type: 'photo.failed',
      data: { photoId: '77', reason: 'not an image' },
    });
    expect(mine).toEqual([published]);
    expect(theirs).toEqual([]);

    await stop();
    await events.publish('1', 'photo.failed', failed('after'));
    expect(mine).toHaveLength(1);
  });

  it('takes for each event type only the data the contract gives it', () => {
    // Checked by the compiler: a photo.ready without its photo, or a notification of any shape, fails it.
    expectTypeOf(events.publish<'photo.ready'>)
      .parameter(2)
      .toEqualTypeOf<{ photo: Photo }>();
    expectTypeOf(events.publish<'photo.failed'>)
      .parameter(2)
      .toEqualTypeOf<{ photoId: string; reason: string }>();
  });

  it('replays events after a given id, oldest first, for that user only', async () => {
    const first = await events.publish('1', 'photo.failed', failed(1));
    const second = await events.publish('1', 'photo.failed', failed(2));
    await events.publish('2', 'photo.failed', failed(99));
    const third = await events.publish('1', 'photo.failed', failed(3));

    expect(await events.since('1', first.id)).toEqual([second, third]);
    expect(await events.since('1', third.id)).toEqual([]);
    expect((await events.since('1', '0')).map(reasonOf)).toEqual(['1', '2', '3']);
    await expect(events.since('1', 'garbage')).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('caps one replay', async () => {
    const capped = new EventServiceImpl({ db: t.database.db, pubsub, now: () => clock, maxReplay: 2 });
    for (let n = 0; n < 4; n++) await capped.publish('1', 'photo.failed', failed(n));
    expect((await capped.since('1', '0')).map(reasonOf)).toEqual(['0', '1']);
  });

  it('keeps events for 24 hours and prunes older ones', async () => {
    const old = await events.publish('1', 'photo.failed', failed('old'));
    clock = new Date(clock.getTime() + 23 * HOUR);
    const recent = await events.publish('1', 'photo.failed', failed('recent'));
    expect(await events.prune()).toBe(0);
    expect(await events.since('1', '0')).toEqual([old, recent]);

    clock = new Date(clock.getTime() + 2 * HOUR);
    // Past retention, an event is no longer replayed even before the pruning job runs.
    expect(await events.since('1', '0')).toEqual([recent]);
    expect(await events.prune()).toBe(1);
    expect(await events.since('1', '0')).toEqual([recent]);
  });
});
