import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredApiRoutes, type DeclaredRoute } from '../testing/api-routes.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

// Path parameters that pass validation, so a refusal is about the caller, not the address.
const concrete = (url: string) =>
  url.replace(':id', '1').replace(':username', 'nobody_here').replace(':tag', 'cats');

describe('auth markers on API routes', () => {
  let t: TestApp;
  let routes: DeclaredRoute[];
  beforeAll(async () => {
    t = await createTestApp();
    routes = declaredApiRoutes();
  });
  afterAll(() => t.close());

  it('every API route declares whether it needs a signed-in caller', () => {
    expect(routes.length).toBeGreaterThan(20);
    const unmarked = routes.filter((r) => !['required', 'optional', 'none'].includes(String(r.config.auth)));
    expect(unmarked.map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });

  it('a required route answers 401 without a token, before looking at its input', async () => {
    const required = routes.filter((r) => r.config.auth === 'required');
    expect(required.length).toBeGreaterThan(10);
    for (const r of required) {
      // An empty JSON body would fail validation: the 401 must come first.
      const res = await t.app.inject({
        method: r.method as 'GET',
        url: concrete(r.url),
        ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }),
      });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
    }
  });

  it('optional and unauthenticated routes serve a caller without a token', async () => {
    const open = routes.filter((r) => r.config.auth !== 'required' && r.method === 'GET');
    for (const r of open) {
      const res = await t.app.inject({ method: 'GET', url: concrete(r.url) });
      expect(res.statusCode, `${r.method} ${r.url}: ${res.body}`).not.toBe(401);
      expect(res.statusCode, `${r.method} ${r.url}: ${res.body}`).toBeLessThan(500);
    }
  });

  it('a route that does not look at the caller ignores a stale token', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      headers: { authorization: 'Bearer revoked-or-made-up' },
      payload: { username: 'fresh_face', password: 'correct horse battery' },
    });
    expect(res.statusCode).toBe(201);
  });
});
