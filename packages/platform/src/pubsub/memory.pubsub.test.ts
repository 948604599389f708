import { describe, expect, it } from 'vitest';
import { MemoryPubSub } from './memory.pubsub.ts';
import { pubsubContract } from './pubsub.contract.ts';

pubsubContract('MemoryPubSub', async () => new MemoryPubSub());

describe('MemoryPubSub', () => {
  it('gives each handler its own copy, so one cannot change what another sees', async () => {
    const bus = new MemoryPubSub();
    const seen: unknown[] = [];
    await bus.subscribe('c', (m) => {
      (m as { n: number }).n = 99;
    });
    await bus.subscribe('c', (m) => void seen.push(m));
    await bus.publish('c', { n: 1 });
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('reports handler errors, including rejected promises, to onHandlerError', async () => {
    const errors: string[] = [];
    const bus = new MemoryPubSub((err, channel) => errors.push(`${channel}: ${(err as Error).message}`));
    await bus.subscribe('c', () => {
      throw new Error('sync');
    });
    await bus.subscribe('c', (async () => {
      throw new Error('async');
    }) as unknown as () => void);
    await bus.publish('c', 1);
    await expect.poll(() => errors.sort()).toEqual(['c: async', 'c: sync']);
  });
});
