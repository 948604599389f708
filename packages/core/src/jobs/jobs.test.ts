import { describe, expect, expectTypeOf, it } from 'vitest';
import { MemoryQueue, type Queue } from '@graminsta/platform';
import { registerJobHandlers, type JobHandlers, type JobQueue } from './jobs.ts';

describe('the job table', () => {
  it('hands each handler its payload, and fails a job whose payload its schema refuses', async () => {
    const failures: unknown[] = [];
    const raw: Queue = new MemoryQueue({ backoffMs: () => 1, onError: (r) => failures.push(r.error) });
    const queue: JobQueue = raw;
    const photos: string[] = [];
    const slots: number[] = [];
    registerJobHandlers(queue, {
      'photo.process': async ({ photoId }) => void photos.push(photoId),
      housekeeping: async ({ slot }) => void slots.push(slot),
      'account.export': async () => {},
      'account.delete': async () => {},
      'mail.send': async () => {},
      'timeline.fanout': async () => {},
      'timeline.drop': async () => {},
      'post.announce': async () => {},
    });
    await queue.enqueue('photo.process', { photoId: '12' });
    await queue.enqueue('housekeeping', { slot: 3 });
    // Rows no release of ours writes: an id past 2^63-1, a slot that is not a number.
    await raw.enqueue('photo.process', { photoId: '99999999999999999999' }, { attempts: 1 });
    await raw.enqueue('housekeeping', { slot: 'soon' }, { attempts: 1 });
    await expect.poll(() => failures.length).toBe(2);
    await queue.close();
    expect(photos).toEqual(['12']);
    expect(slots).toEqual([3]);
    expect(String(failures[0])).toMatch(/photoId/);
    expect(String(failures[1])).toMatch(/slot/);
  });

  it('hands a given-up job its parsed payload in the dead-job handler, and never a payload its schema refuses', async () => {
    const raw: Queue = new MemoryQueue({ backoffMs: () => 1 });
    const queue: JobQueue = raw;
    const dead: Array<[string, number]> = [];
    registerJobHandlers(
      queue,
      {
        'photo.process': async () => {
          throw new Error('the store is away');
        },
        housekeeping: async () => {},
        'account.export': async () => {},
        'account.delete': async () => {},
        'mail.send': async () => {},
        'timeline.fanout': async () => {},
        'timeline.drop': async () => {},
        'post.announce': async () => {},
      },
      { onDead: { 'photo.process': async ({ photoId }, d) => void dead.push([photoId, d.attempts]) } },
    );
    await queue.enqueue('photo.process', { photoId: '12' }, { attempts: 2 });
    await raw.enqueue('photo.process', { photoId: 'not an id' }, { attempts: 1 });
    await expect.poll(() => dead).toEqual([['12', 2]]);
    await new Promise((r) => setTimeout(r, 100));
    await queue.close();
    expect(dead).toEqual([['12', 2]]);
  });

  it('takes a handler for every job type, each typed by its own payload', () => {
    // Checked by the compiler: a missing handler, or one reading another job's payload, fails it.
    expectTypeOf<Parameters<JobHandlers['photo.process']>[0]>().toEqualTypeOf<{ photoId: string }>();
    expectTypeOf<Parameters<JobHandlers['housekeeping']>[0]>().toEqualTypeOf<{ slot: number }>();
    expectTypeOf<Pick<JobHandlers, 'photo.process'>>().not.toExtend<JobHandlers>();
    expectTypeOf<JobQueue['enqueue']>().toBeCallableWith('housekeeping', { slot: 1 });
  });
});
