import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

const PASSWORD = 'correct horse battery';

/** Signed-in requests answered from the process's session cache; a revoked token is refused at once. */
describe('the session cache behind the routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(() => t.testDb.reset());
  afterAll(() => t.close());

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });

  /** This process's own count of a prepared statement, as /metrics tells it. */
  async function statementCount(statement: string): Promise<number> {
    const body = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    const line = new RegExp(
      `^graminsta_db_queries_total\\{outcome="ok",statement="${statement}"\\} (\\d+)$`,
      'm',
    );
    return Number(line.exec(body)?.[1] ?? 0);
  }

  async function logIn(username: string): Promise<string> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      payload: { username, password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ token: string }>().token;
  }

  /** Until a signed-in GET runs no session_live statement: the token is cached. */
  async function cached(token: string): Promise<void> {
    await vi.waitFor(
      async () => {
        const before = await statementCount('session_live');
        expect((await me(token)).statusCode).toBe(200);
        expect(await statementCount('session_live')).toBe(before);
      },
      { timeout: 5_000, interval: 10 },
    );
  }

  it('answers cached signed-in requests without a session query, counted by statement name', async () => {
    const token = await t.signUp('ann');
    const before = await statementCount('session_live');
    expect((await me(token)).statusCode).toBe(200);
    expect(await statementCount('session_live')).toBe(before + 1);
    await cached(token);
    const cachedCount = await statementCount('session_live');
    for (let i = 0; i < 10; i++) expect((await me(token)).statusCode).toBe(200);
    expect(await statementCount('session_live')).toBe(cachedCount);
  });

  it('refuses a logged-out token on its very next request', async () => {
    const token = await t.signUp('ann');
    await cached(token);
    const out = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/sessions/current',
      headers: bearer(token),
    });
    expect(out.statusCode).toBe(200);
    expect((await me(token)).statusCode).toBe(401);
  });

  it('refuses an ended device and the sessions a password change ends, at once', async () => {
    const mine = await t.signUp('ann', PASSWORD);
    const [phone, tablet] = [await logIn('ann'), await logIn('ann')];
    for (const token of [mine, phone, tablet]) await cached(token);

    const list = await t.app.inject({ method: 'GET', url: '/api/v1/me/sessions', headers: bearer(phone) });
    const current = list.json<{ items: { id: string; current: boolean }[] }>().items.find((s) => s.current)!;
    const ended = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/sessions/${current.id}`,
      headers: bearer(mine),
    });
    expect(ended.statusCode).toBe(200);
    expect((await me(phone)).statusCode).toBe(401);
    expect((await me(tablet)).statusCode).toBe(200);

    const changed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/password',
      headers: bearer(mine),
      payload: { currentPassword: PASSWORD, newPassword: 'another long password' },
    });
    expect(changed.statusCode).toBe(200);
    expect((await me(tablet)).statusCode).toBe(401);
    expect((await me(mine)).statusCode).toBe(200);
  });
});
