import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTimelineStore } from '@graminsta/platform';
import { follows } from '../db/schema.ts';
import {
  createPhotoWorld,
  jpegBytes,
  makeUser,
  postPhoto,
  type PhotoWorld,
} from '../photos/photo.fixtures.ts';
import { PhotoServiceImpl } from '../photos/photo.service.ts';
import { FeedServiceImpl } from './feed.service.ts';
import { timelineHooks } from './timeline.hooks.ts';

describe('home timelines: read your own writes', () => {
  let w: PhotoWorld;
  let feed: FeedServiceImpl;
  let author: string;
  let follower: string;
  const jobs: Array<{ name: string; payload: { photoId?: string } }> = [];
  const store = new MemoryTimelineStore({ maxLength: 100, idleSeconds: 60 });
  const homeIds = async (viewer: string) => (await feed.home(viewer, { limit: 20 })).items.map((p) => p.id);
  /** What the worker does with the booked jobs. */
  const runJobs = async () => {
    for (const job of jobs.splice(0))
      if (job.name === 'timeline.fanout') await feed.fanOut(job.payload.photoId!);
  };

  beforeAll(async () => {
    const base = await createPhotoWorld();
    const queue = {
      enqueue: async (name: string, payload: unknown) => void jobs.push({ name, payload: payload as never }),
    };
    // The photo pipeline of the fixtures, told about timelines as createServices does with TIMELINES=on.
    const photos = new PhotoServiceImpl({
      db: base.db,
      blobs: base.blobs,
      queue: base.queue,
      notifier: base.notifier,
      events: base.events,
      maxImagePixels: 50_000_000,
      timelines: timelineHooks({ store, queue }),
    });
    w = { ...base, photos };
    feed = new FeedServiceImpl({ db: w.db, blobs: w.blobs, timelines: { store, celebrityFollowers: 1000 } });
    author = await makeUser(w.db, 'author');
    follower = await makeUser(w.db, 'follower');
    await w.db.insert(follows).values({ followerId: follower, followeeId: author });
  });
  afterAll(() => w.close());

  it('shows a new post in its author’s feed at once, and in a follower’s once the fan-out job ran', async () => {
    expect(await homeIds(follower)).toEqual([]);
    expect(await homeIds(author)).toEqual([]);
    const post = await postPhoto(w, author, { bytes: await jpegBytes(32, 32) });
    // Becoming ready booked exactly one fan-out, for this post.
    expect(jobs).toEqual([{ name: 'timeline.fanout', payload: { photoId: post.id } }]);
    expect(await homeIds(author)).toEqual([post.id]);
    expect(await homeIds(follower)).toEqual([]);
    await runJobs();
    expect(await homeIds(follower)).toEqual([post.id]);
    expect((await store.read(follower, undefined, 10)).ids).toEqual([post.id]);
    // Deleted by its author: gone from both feeds at once, though its id is still in the timeline.
    await w.photos.deletePhoto(author, post.id);
    expect(await homeIds(follower)).toEqual([]);
    expect(await homeIds(author)).toEqual([]);
  });
});
