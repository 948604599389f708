import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

describe('operations endpoints and the OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('reports liveness and readiness, naming the instance', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.headers['x-served-by']).toBe('test-1');
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('exposes request and database metrics by route pattern', async () => {
    await t.signUp('metered');
    await t.app.inject({ method: 'GET', url: '/api/v1/users/metered' });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(
      /graminsta_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/users\/:username",status="200"\} 1/,
    );
    expect(res.body).not.toContain('route="/api/v1/users/metered"');
    expect(res.body).toMatch(/graminsta_db_queries_total\{outcome="ok",statement="other"\} [1-9]/);
  });

  it('documents every path of the contract, generated from the validating schemas', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    const expected: Record<string, string[]> = {
      '/api/v1/accounts': ['post'],
      '/api/v1/sessions': ['post'],
      '/api/v1/sessions/current': ['delete'],
      '/api/v1/me': ['get', 'patch', 'delete'],
      '/api/v1/users/{username}': ['get'],
      '/api/v1/users/{username}/photos': ['get'],
      '/api/v1/users/{username}/followers': ['get'],
      '/api/v1/users/{username}/following': ['get'],
      '/api/v1/users/{username}/follow': ['put', 'delete'],
      '/api/v1/uploads': ['post'],
      '/api/v1/photos': ['post'],
      '/api/v1/photos/{id}': ['get', 'patch', 'delete'],
      '/api/v1/photos/{id}/like': ['put', 'delete'],
      '/api/v1/photos/{id}/save': ['put', 'delete'],
      '/api/v1/me/saved': ['get'],
      '/api/v1/photos/{id}/comments': ['get', 'post'],
      '/api/v1/comments/{id}': ['delete'],
      '/api/v1/feed': ['get'],
      '/api/v1/explore': ['get'],
      '/api/v1/tags/{tag}': ['get'],
      '/api/v1/search/users': ['get'],
      '/api/v1/notifications': ['get'],
      '/api/v1/notifications/read': ['post'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect(Object.keys(doc.paths[path] ?? {}).sort(), path).toEqual([...methods].sort());
    }
    const signUp = doc.paths['/api/v1/accounts'].post.requestBody.content['application/json'].schema;
    expect(signUp.properties.username).toMatchObject({ minLength: 3, maxLength: 30 });
    expect(signUp.required).toEqual(expect.arrayContaining(['username', 'password']));
  });
});
