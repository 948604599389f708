import { describe, expect, it } from 'vitest';
import { loadConfig } from '@graminsta/platform';

// The worker tier's settings, as an operator (or a test harness) sets them in the environment.
describe('the queue and worker settings', () => {
  it('default to a 60 s lease, 1 s first retry, 3 tries and 2 jobs per worker process', () => {
    expect(loadConfig({})).toMatchObject({
      QUEUE_LEASE_MS: 60_000,
      QUEUE_RETRY_BASE_MS: 1000,
      QUEUE_ATTEMPTS: 3,
      WORKER_CONCURRENCY: 2,
    });
    expect(
      loadConfig({
        QUEUE_LEASE_MS: '2000',
        QUEUE_RETRY_BASE_MS: '200',
        QUEUE_ATTEMPTS: '5',
        WORKER_CONCURRENCY: '1',
      }),
    ).toMatchObject({
      QUEUE_LEASE_MS: 2000,
      QUEUE_RETRY_BASE_MS: 200,
      QUEUE_ATTEMPTS: 5,
      WORKER_CONCURRENCY: 1,
    });
  });

  it.each([
    ['QUEUE_LEASE_MS', '100'], // shorter than a heartbeat's round trip: jobs would be taken mid-run
    ['QUEUE_LEASE_MS', 'soon'],
    ['QUEUE_RETRY_BASE_MS', '-1'],
    ['QUEUE_ATTEMPTS', '0'],
    ['QUEUE_ATTEMPTS', '1.5'],
    ['WORKER_CONCURRENCY', '1000'],
    ['WORKER_CONCURRENCY', '2\u0000'],
    ['QUEUE_LEASE_MS', '9'.repeat(400)],
  ])('refuses %s=%j at start-up, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});
