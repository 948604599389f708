import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.ts';
import { GraminstaClient } from './client.ts';
import { wsUrl } from './http.ts';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

/** A fetch that records requests and answers from a queue. */
function fakeFetch(...answers: Array<{ status: number; body?: unknown } | Error>) {
  const sent: Sent[] = [];
  const fetch = async (url: string, init?: RequestInit): Promise<Response> => {
    sent.push({
      url,
      method: init?.method ?? 'GET',
      headers: { ...(init?.headers as Record<string, string>) },
      body: init?.body ? JSON.parse(init.body as string) : undefined,
      credentials: init?.credentials,
    });
    const answer = answers.shift() ?? { status: 200, body: {} };
    if (answer instanceof Error) throw answer;
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? null);
    return new Response(answer.status === 204 ? null : text, { status: answer.status });
  };
  return { fetch, sent };
}

describe('GraminstaClient', () => {
  it('calls the contract paths with the bearer token, cookies and JSON bodies', async () => {
    const { fetch, sent } = fakeFetch(
      { status: 200, body: { items: [], nextCursor: null } },
      { status: 200, body: { following: true, state: 'following', followerCount: 3 } },
      { status: 200, body: { id: '1' } },
    );
    const client = new GraminstaClient({
      baseUrl: 'https://api.example/',
      token: 't0k',
      fetch,
      credentials: 'include',
    });
    await client.feed({ query: { cursor: 'abc', limit: 10 } });
    const state = await client.follow({ params: { username: 'ann.b' } });
    await client.updateMe({ body: { bio: 'hi' } });

    expect(state).toEqual({ following: true, state: 'following', followerCount: 3 });
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET https://api.example/api/v1/feed?cursor=abc&limit=10',
      'PUT https://api.example/api/v1/users/ann.b/follow',
      'PATCH https://api.example/api/v1/me',
    ]);
    expect(sent[0]!.headers.authorization).toBe('Bearer t0k');
    expect(sent.every((s) => s.credentials === 'include')).toBe(true);
    expect(sent[2]!.body).toEqual({ bio: 'hi' });
  });

  it('puts a fresh Idempotency-Key on every POST and on nothing else', async () => {
    const { fetch, sent } = fakeFetch();
    const client = new GraminstaClient({ baseUrl: '', fetch });
    const comment = { params: { id: '7' }, body: { body: 'nice' } };
    await client.addComment(comment);
    await client.addComment(comment);
    await client.getPhoto({ params: { id: '7' } });
    await client.addComment(comment, { idempotencyKey: 'retry-1' });

    const keys = sent.map((s) => s.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keys[1]).not.toBe(keys[0]);
    expect(keys[2]).toBeUndefined();
    expect(keys[3]).toBe('retry-1');
    expect(sent[0]).toMatchObject({ url: '/api/v1/photos/7/comments', body: { body: 'nice' } });
    expect(sent[0]!.headers.authorization).toBeUndefined();
  });

  it('throws ApiError with the status, code and message of the error body', async () => {
    const { fetch } = fakeFetch(
      { status: 409, body: { error: { code: 'username_taken', message: 'that username is taken' } } },
      { status: 502, body: '<html>Bad gateway</html>' },
      new TypeError('Failed to fetch'),
    );
    const client = new GraminstaClient({ baseUrl: '', fetch });

    const taken = await client
      .signUp({ body: { username: 'ann', password: 'long enough' } })
      .catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(ApiError);
    expect(taken).toMatchObject({ status: 409, code: 'username_taken', message: 'that username is taken' });
    await expect(client.explore()).rejects.toMatchObject({ status: 502, code: 'http_502' });
    await expect(client.explore()).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });

  it('encodes path parts and search queries, and switches tokens', async () => {
    const { fetch, sent } = fakeFetch();
    const client = new GraminstaClient({ baseUrl: 'http://h', fetch });
    await client.tag({ params: { tag: 'café' }, query: { limit: 5 } });
    await client.searchUsers({ query: { q: 'a b' } });
    client.setToken('new');
    await client.markNotificationsRead({ body: { upTo: '42' } });
    await client.markNotificationsRead();
    expect(sent[0]!.url).toBe('http://h/api/v1/tags/caf%C3%A9?limit=5');
    expect(sent[1]!.url).toBe('http://h/api/v1/search/users?q=a+b');
    expect(sent[2]).toMatchObject({ url: 'http://h/api/v1/notifications/read', body: { upTo: '42' } });
    expect(sent[2]!.headers.authorization).toBe('Bearer new');
    expect(sent[3]!.body).toEqual({}); // the optional body still goes, empty
  });

  it('percent-encodes every path param and refuses a call that leaves one out', async () => {
    const { fetch, sent } = fakeFetch();
    const client = new GraminstaClient({ baseUrl: '', fetch });
    await client.getProfile({ params: { username: '../me?x=1' } });
    expect(sent[0]!.url).toBe('/api/v1/users/..%2Fme%3Fx%3D1');
    await expect(client.getProfile({ params: {} } as never)).rejects.toThrow('params.username');
    expect(sent).toHaveLength(1);
  });

  it('derives the socket URL from the API base', () => {
    expect(wsUrl('https://api.example')).toBe('wss://api.example/ws');
    expect(wsUrl('http://127.0.0.1:3000/')).toBe('ws://127.0.0.1:3000/ws');
  });
});
