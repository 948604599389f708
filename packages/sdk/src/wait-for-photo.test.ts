import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Photo } from '@graminsta/contracts';
import { GraminstaClient } from './client.ts';
import { RealtimeClient } from './realtime.ts';
import { FakeSocket } from './testing/fake-socket.ts';
import { events as ev, photo } from './testing/fixtures.ts';

const processing = photo('77', { status: 'processing', variants: null });
const ready = photo('77');

/** A client whose GET /photos/77 answers `current()`, counting the asks. */
function setup(current: () => Photo | 404) {
  const asked: string[] = [];
  const fetch = async (url: string) => {
    asked.push(url);
    const answer = current();
    return answer === 404
      ? new Response(JSON.stringify({ error: { code: 'not_found', message: 'no such photo' } }), {
          status: 404,
        })
      : new Response(JSON.stringify(answer), { status: 200 });
  };
  const client = new GraminstaClient({ baseUrl: 'http://api.test', fetch });
  const realtime = new RealtimeClient({ url: 'ws://api.test/ws', WebSocket: FakeSocket, heartbeatMs: 0 });
  return { client, realtime, asked };
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('waitForPhoto', () => {
  it('ends on the socket event for that photo, asking the API only once meanwhile', async () => {
    const { client, realtime, asked } = setup(() => processing);
    realtime.start();
    FakeSocket.latest().serverReady();
    const outcome = client.waitForPhoto('77', { realtime, pollMs: 60_000 });
    await vi.advanceTimersByTimeAsync(10);
    FakeSocket.latest().serverSends(ev.ready('1', photo('12'))); // another photo
    FakeSocket.latest().serverSends(ev.ready('2', ready));
    await expect(outcome).resolves.toEqual({ status: 'ready', photo: ready });
    expect(asked).toEqual(['http://api.test/api/v1/photos/77']);
  });

  it('reports a failure from the socket with its reason', async () => {
    const { client, realtime } = setup(() => processing);
    realtime.start();
    FakeSocket.latest().serverReady();
    const outcome = client.waitForPhoto('77', { realtime });
    FakeSocket.latest().serverSends(ev.failed('3', '77', 'not an image'));
    await expect(outcome).resolves.toEqual({ status: 'failed', photoId: '77', reason: 'not an image' });
  });

  it('polls while the socket is down, and asks again as soon as it is back', async () => {
    let current = processing;
    const { client, realtime, asked } = setup(() => current);
    realtime.start(); // never opens: the socket is down
    const outcome = client.waitForPhoto('77', { realtime, pollMs: 1000 });
    await vi.advanceTimersByTimeAsync(2500);
    expect(asked).toHaveLength(3); // at once, then every second

    current = ready; // processed while the socket was away: its event may be lost
    FakeSocket.latest().serverReady();
    await vi.advanceTimersByTimeAsync(0);
    await expect(outcome).resolves.toEqual({ status: 'ready', photo: ready });
    expect(asked).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(5000);
    expect(asked).toHaveLength(4); // done: no more polling
  });

  it('polls without a socket, reads a failure from the photo, and ends when aborted or gone', async () => {
    let current: Photo | 404 = processing;
    const { client } = setup(() => current);
    const failed = client.waitForPhoto('77', { pollMs: 1000 });
    current = { ...processing, status: 'failed', failureReason: 'too large' };
    await vi.advanceTimersByTimeAsync(1000);
    await expect(failed).resolves.toEqual({ status: 'failed', photoId: '77', reason: 'too large' });

    current = processing;
    const stop = new AbortController();
    const aborted = client.waitForPhoto('77', { signal: stop.signal });
    stop.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' });

    current = 404;
    await expect(client.waitForPhoto('77')).rejects.toMatchObject({ status: 404 });
  });
});
