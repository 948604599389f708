import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiJourney } from '../src/testing/journey.ts';
import { startServerProcess, type ServerProcess } from '../src/testing/server-process.ts';

describe('the API journey against a running stage-1 server', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  }, 90_000);
  afterAll(async () => {
    const code = await server?.stop();
    expect(code).toBe(0); // SIGTERM drains and exits cleanly
  });

  it('signs up two people, shares a photo without its GPS, and cleans up after delete', async () => {
    await apiJourney(server.url, server.dataDir);
  });
});
