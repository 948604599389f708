import { describe, expect, it } from 'vitest';
import { MemoryQueue } from './memory.queue.ts';
import { queueContract } from './queue.contract.ts';

queueContract('MemoryQueue', async () => new MemoryQueue({ backoffMs: () => 20 }));

describe('MemoryQueue', () => {
  it('reports each failure, marking the last one final', async () => {
    const reports: Array<[number, boolean]> = [];
    const queue = new MemoryQueue({ backoffMs: () => 1, onError: (r) => reports.push([r.attempt, r.final]) });
    let runs = 0;
    queue.process('j', async () => {
      runs++;
      throw new Error('no');
    });
    await queue.enqueue('j', null, { attempts: 2 });
    await expect.poll(() => reports.length).toBe(2);
    await queue.close();
    expect(reports).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(runs).toBe(2);
  });

  it('refuses work after close', async () => {
    const queue = new MemoryQueue();
    await queue.close();
    await expect(queue.enqueue('j', 1)).rejects.toThrow(/closed/);
  });
});
