import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient, type RealtimeStatus } from './realtime.ts';
import { FakeSocket } from './testing/fake-socket.ts';
import { events as ev, photo } from './testing/fixtures.ts';

const latest = () => FakeSocket.latest();

function connect(opts: Partial<ConstructorParameters<typeof RealtimeClient>[0]> = {}) {
  const client = new RealtimeClient({
    url: 'ws://api.test/ws',
    token: 'tok',
    WebSocket: FakeSocket,
    random: () => 1, // no jitter: delays are the ceilings
    heartbeatMs: 0,
    ...opts,
  });
  const events: string[] = [];
  const statuses: RealtimeStatus[] = [];
  const delays: number[] = [];
  client.on('event', (e) => events.push(`${e.id}:${e.type}`));
  client.on('status', (s) => statuses.push(s));
  client.on('reconnecting', (r) => delays.push(r.delayMs));
  client.start();
  return { client, events, statuses, delays };
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('RealtimeClient', () => {
  it('authenticates after the socket opens and emits events in order', () => {
    const { client, events } = connect();
    const ws = latest();
    expect(ws.url).toBe('ws://api.test/ws');
    expect(ws.sent).toEqual([]);
    ws.serverOpens();
    expect(ws.sent).toEqual([{ type: 'auth', token: 'tok' }]);
    ws.serverSends({ type: 'ready' });
    ws.serverSends(ev.notification('5'));
    ws.serverSends(ev.ready('6', photo('1')));
    expect(client.status).toBe('ready');
    expect(events).toEqual(['5:notification', '6:photo.ready']);
    expect(client.lastEventId).toBe('6');
  });

  it('hands listeners events checked against the contract, typed by their type, and skips the rest', () => {
    const { client, events } = connect();
    const ws = latest();
    const reasons: string[] = [];
    client.on('event', (e) => e.type === 'photo.failed' && reasons.push(e.data.reason));
    ws.serverReady();
    ws.serverSends({ id: '7', type: 'photo.ready', data: { photo: { id: '1' } } }); // not a Photo
    ws.serverSends({ id: '8', type: 'story.posted', data: {} }); // a type this client does not know
    ws.serverSends(ev.failed('9', '1', 'not an image'));
    expect(events).toEqual(['9:photo.failed']);
    expect(reasons).toEqual(['not an image']);
    expect(client.lastEventId).toBe('9');
  });

  it('hands over post.new with its post and author, and skips one without its author', () => {
    const { client, events } = connect();
    const ws = latest();
    const authors: string[] = [];
    client.on(
      'event',
      (e) => e.type === 'post.new' && authors.push(`${e.data.photoId}@${e.data.author.username}`),
    );
    ws.serverReady();
    ws.serverSends({ id: '20', type: 'post.new', data: { photoId: '3' } }); // no author: refused
    ws.serverSends({
      id: '21',
      type: 'post.new',
      data: { photoId: '4', author: { id: '2', username: 'ben' } },
    });
    expect(events).toEqual(['21:post.new']);
    expect(authors).toEqual(['4@ben']);
  });

  it('reconnects after the connection drops and resumes from the last event, without repeats', () => {
    const { events, statuses } = connect();
    const first = latest();
    first.serverOpens();
    first.serverSends({ type: 'ready' });
    first.serverSends(ev.notification('11'));
    first.serverCloses(1006);
    expect(statuses.at(-1)).toBe('reconnecting');
    expect(FakeSocket.all).toHaveLength(1);

    vi.advanceTimersByTime(500);
    const second = latest();
    expect(FakeSocket.all).toHaveLength(2);
    expect(second.url).toBe('ws://api.test/ws?lastEventId=11');
    second.serverOpens();
    expect(second.sent).toEqual([{ type: 'auth', token: 'tok', lastEventId: '11' }]);
    second.serverSends({ type: 'ready' });
    second.serverSends(ev.notification('11')); // replayed duplicate
    second.serverSends(ev.notification('12'));
    expect(events).toEqual(['11:notification', '12:notification']);
    expect(statuses.at(-1)).toBe('ready');
  });

  it('backs off exponentially up to the cap while the server stays away, and resets once ready', () => {
    const { delays } = connect({ backoff: { initialMs: 100, maxMs: 1000, factor: 2 } });
    for (let i = 0; i < 6; i++) {
      latest().serverCloses(1006);
      vi.advanceTimersByTime(delays.at(-1)!);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(FakeSocket.all).toHaveLength(7);

    latest().serverOpens();
    latest().serverSends({ type: 'ready' });
    latest().serverCloses(1006);
    expect(delays.at(-1)).toBe(100);
  });

  it('jitters each delay within the upper half of its ceiling', () => {
    const { delays } = connect({ backoff: { initialMs: 1000 }, random: () => 0 });
    latest().serverCloses(1006);
    expect(delays).toEqual([500]);
  });

  it('does not wait for the timer before the first attempt, and never opens two sockets at once', () => {
    connect();
    expect(FakeSocket.all).toHaveLength(1);
    latest().serverCloses(1006);
    vi.advanceTimersByTime(10_000);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('stops on a refused token instead of retrying it', () => {
    const { statuses } = connect();
    latest().serverOpens();
    latest().serverCloses(4401);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(statuses.at(-1)).toBe('unauthenticated');
  });

  it('stays closed after stop()', () => {
    const { client } = connect();
    const ws = latest();
    ws.serverOpens();
    client.stop();
    expect(ws.closedWith).toBe(1000);
    ws.serverCloses(1000);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(client.status).toBe('stopped');
  });

  it('without a token it sends no auth message (the cookie signs the upgrade in)', () => {
    connect({ token: () => null, lastEventId: '3' });
    latest().serverOpens();
    expect(latest().sent).toEqual([]);
    expect(latest().url).toBe('ws://api.test/ws?lastEventId=3');
  });

  it('drops a silent socket after a missed heartbeat and opens a new one', () => {
    connect({ heartbeatMs: 1000 });
    const ws = latest();
    ws.serverOpens();
    ws.serverSends({ type: 'ready' });
    vi.advanceTimersByTime(1000);
    expect(ws.sent.at(-1)).toEqual({ type: 'ping' });
    ws.serverSends({ type: 'pong' });
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1000); // no pong this round
    expect(ws.closedWith).toBe(4000);
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(2);
  });
});
