import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '@graminsta/contracts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

// Services take ids as they come: the schemas are the only thing between a path and a bigint column.
const MALFORMED = ['abc', '-1', '1.5', '1e3', '0x10', '99999999999999999999', '9223372036854775808'];
// The largest id a bigint holds: well-formed, so it reaches the service and is simply not there.
const LARGEST = '9223372036854775807';

const withIdInPath = Object.values(endpoints).filter((e) => e.path.includes(':id'));

describe('ids from outside', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp();
    token = await t.signUp('prober');
    // A moderator, so the moderation routes reach their lookup instead of refusing the caller.
    await t.comp.services.moderation.setRole('prober', 'moderator');
  });
  afterAll(() => t.close());

  const call = (method: string, url: string, payload?: object) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload ? { payload } : {}),
    });
  // A body that passes validation wherever one is needed, so only the id can be wrong.
  const bodyFor = (method: string, path = '') =>
    path.endsWith('/parts')
      ? { partNumbers: [1] }
      : path.endsWith('/resolve')
        ? { action: 'dismiss' }
        : method === 'POST'
          ? { body: 'hello' }
          : method === 'PATCH'
            ? { caption: 'hello' }
            : undefined;

  it('covers every operation with an id in its path', () => {
    expect(withIdInPath.map((e) => `${e.method} ${e.path}`)).toEqual(
      expect.arrayContaining(['GET /api/v1/photos/:id', 'DELETE /api/v1/comments/:id']),
    );
  });

  describe.each(withIdInPath.map((e) => [`${e.method} ${e.path}`, e] as const))('%s', (_name, e) => {
    it.each(MALFORMED)('answers 400 to the id %s, and nothing changes', async (id) => {
      const before = await t.snapshot();
      const res = await call(e.method, e.path.replace(':id', id), bodyFor(e.method, e.path));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('validation_failed');
      expect(await t.snapshot()).toEqual(before);
    });

    it('answers 404 to the largest id a bigint holds', async () => {
      const res = await call(e.method, e.path.replace(':id', LARGEST), bodyFor(e.method, e.path));
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    });
  });

  it.each(MALFORMED)('answers 400 to %s as an upload or avatar id in a body', async (id) => {
    const before = await t.snapshot();
    const photo = await call('POST', '/api/v1/photos', { uploadId: id });
    expect(photo.statusCode).toBe(400);
    const avatar = await call('PATCH', '/api/v1/me', { avatarPhotoId: id });
    expect(avatar.statusCode).toBe(400);
    expect([photo.json().error.code, avatar.json().error.code]).toEqual([
      'validation_failed',
      'validation_failed',
    ]);
    expect(await t.snapshot()).toEqual(before);
  });

  it('reaches the service with the largest id in a body', async () => {
    expect((await call('POST', '/api/v1/photos', { uploadId: LARGEST })).statusCode).toBe(404);
    const avatar = await call('PATCH', '/api/v1/me', { avatarPhotoId: LARGEST });
    expect(avatar.statusCode).toBe(400);
    expect(avatar.json().error.code).toBe('bad_request');
  });
});
