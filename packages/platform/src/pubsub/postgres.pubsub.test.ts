import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TEST_PG_ADMIN_URL } from '@graminsta/core/testing/test-db';
import type { Json } from '../ports.ts';
import { PostgresPubSub, type PostgresPubSubOptions } from './postgres.pubsub.ts';
import { pubsubContract } from './pubsub.contract.ts';

// LISTEN/NOTIFY needs the server, so these run against the machine's PostgreSQL in every mode.
const WAIT = { timeout: 10_000, interval: 20 };
const unique = () => `graminsta_test_${Math.random().toString(36).slice(2)}`;
const make = (opts: Partial<PostgresPubSubOptions> = {}) =>
  new PostgresPubSub({ url: TEST_PG_ADMIN_URL, pgChannel: unique(), ...opts });

pubsubContract('PostgresPubSub', async () => make());

describe('PostgresPubSub', () => {
  const open: PostgresPubSub[] = [];
  const track = (bus: PostgresPubSub) => (open.push(bus), bus);
  afterEach(async () => {
    for (const bus of open.splice(0)) await bus.close();
  });

  it('carries messages between processes', async () => {
    const pgChannel = unique();
    const a = track(make({ pgChannel }));
    const b = track(make({ pgChannel }));
    const got: Json[] = [];
    await b.subscribe('photo.ready', (m) => void got.push(m));
    await a.publish('photo.ready', { id: '1' });
    await vi.waitFor(() => expect(got).toEqual([{ id: '1' }]), WAIT);
  });

  it('refuses a message too big for NOTIFY with a clear error, and stays usable', async () => {
    const bus = track(make());
    const got: Json[] = [];
    await bus.subscribe('c', (m) => void got.push(m));
    await expect(bus.publish('c', 'x'.repeat(8000))).rejects.toThrow(/NOTIFY carries at most 7900/);
    await bus.publish('c', 'small');
    await vi.waitFor(() => expect(got).toEqual(['small']), WAIT);
  });

  it('reconnects and listens again after its connection is killed', async () => {
    const applicationName = unique();
    const errors: unknown[] = [];
    const bus = track(make({ applicationName, onError: (e) => errors.push(e) }));
    const got: Json[] = [];
    await bus.subscribe('c', (m) => void got.push(m));

    const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
        [applicationName],
      );
      expect(rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), WAIT);

    // Messages sent while it is down are missed; keep publishing until one gets through.
    let n = 0;
    await vi.waitFor(
      async () => {
        await bus.publish('c', ++n);
        expect(got.length).toBeGreaterThan(0);
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it('fails subscribe when the server cannot be reached, without keeping the handler', async () => {
    const bus = track(new PostgresPubSub({ url: 'postgres://postgres@127.0.0.1:1/none' }));
    await expect(bus.subscribe('c', () => {})).rejects.toThrow();
  });
});
