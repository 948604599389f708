import { describe, expect, it, vi } from 'vitest';
import { Circuit, type CircuitOptions } from './circuit.ts';

const WAIT = { timeout: 5_000, interval: 10 };

function circuit(opts: Partial<CircuitOptions> & { down?: () => boolean } = {}) {
  const replayed: string[][] = [];
  const changes: boolean[] = [];
  const c = new Circuit({
    openMs: 20,
    maxPending: 3,
    entryLifetimeMs: 60_000,
    probe: async (keys) => {
      if (opts.down?.()) throw new Error('still down');
      replayed.push(keys);
    },
    onChange: (up) => changes.push(up),
    onError: () => {},
    ...opts,
  });
  return { c, replayed, changes };
}

describe('Circuit', () => {
  it('opens on a failure, keeps probing while the store is down, replays what it missed, then closes', async () => {
    let down = true;
    const { c, replayed, changes } = circuit({ down: () => down });
    c.failed(new Error('gone'));
    c.lost(['user:1', 'user:2']);
    c.lost(['user:1']);
    expect(c.usable).toBe(false);
    expect(c.pendingCount).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(changes).toEqual([false]);
    down = false;
    await vi.waitFor(() => expect(changes).toEqual([false, true]), WAIT);
    expect(replayed).toEqual([['user:1', 'user:2']]);
    expect(c.usable).toBe(true);
    expect(c.pendingCount).toBe(0);
    c.stop();
  });

  it('past maxPending, keeps no keys but distrusts the store until every older entry has expired', async () => {
    const { c, replayed, changes } = circuit({ entryLifetimeMs: 300 });
    c.failed(new Error('gone'));
    c.lost(['a', 'b', 'c', 'd']);
    expect(c.pendingCount).toBe(0);
    await vi.waitFor(() => expect(changes).toEqual([false, true]), WAIT);
    expect(replayed).toEqual([[]]);
    // Closed, yet not usable: an entry the lost invalidations should have dropped may still be there.
    expect(c.isOpen).toBe(false);
    expect(c.usable).toBe(false);
    await vi.waitFor(() => expect(c.usable).toBe(true), WAIT);
    c.stop();
  });
});
