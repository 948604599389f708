import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/test-app.ts';
import { buildWorld, type AccountKind, type Member, type World } from './visibility.world.ts';

/** The same policy guards what a viewer may do to a post, and what a profile tells about the viewer. */
describe('acting on content, by standing', () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await createTestApp();
    w = await buildWorld(t);
  }, 120_000);
  afterAll(() => t.close());

  const call = async (viewer: Member, method: 'PUT' | 'POST', url: string, payload?: object) => {
    const res = await t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${viewer.token}` },
      payload,
    });
    return res.statusCode === 403
      ? `403 ${(res.json() as { error: { code: string } }).error.code}`
      : String(res.statusCode);
  };

  it('lets a viewer like, comment on and save only posts it may see', async () => {
    const cases: Array<[keyof World['viewers'], AccountKind, string]> = [
      ['nonFollower', 'public', '200'],
      ['nonFollower', 'private', '403 private'],
      ['follower', 'private', '200'],
      ['blocked', 'public', '404'],
      ['blocker', 'public', '404'],
      ['muted', 'public', '200'],
      ['follower', 'suspended', '404'],
      ['follower', 'deleted', '404'],
    ];
    const got = [];
    for (const [viewer, account, status] of cases) {
      const v = w.viewers[viewer];
      const post = w.accounts[account].postId;
      got.push([
        viewer,
        account,
        await call(v, 'PUT', `/photos/${post}/like`),
        await call(v, 'POST', `/photos/${post}/comments`, { body: 'hello' }),
        await call(v, 'PUT', `/photos/${post}/save`),
      ]);
      expect(got.at(-1)).toEqual([viewer, account, status, status === '200' ? '201' : status, status]);
    }
  });

  it('tells the viewer of its follow, block and mute in the profile', async () => {
    const profile = async (viewer: Member, name: string) =>
      (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/users/${name}`,
          headers: { authorization: `Bearer ${viewer.token}` },
        })
      ).json() as Record<string, unknown>;
    const ann = w.accounts.public.username;
    expect(await profile(w.viewers.muted, ann)).toMatchObject({
      followedByMe: true,
      mutedByMe: true,
      blockedByMe: false,
    });
    expect(await profile(w.viewers.blocker, ann)).toMatchObject({ followedByMe: false, blockedByMe: true });
    expect(await profile(w.accounts.public, ann)).toMatchObject({
      followedByMe: false,
      blockedByMe: false,
      mutedByMe: false,
    });
    const db = t.comp.database.db;
    const { standing } = await import('@graminsta/core/testing/standing');
    await standing(db).request(w.viewers.nonFollower.id, w.accounts.private.id);
    expect(await profile(w.viewers.nonFollower, w.accounts.private.username)).toMatchObject({
      private: true,
      requestedByMe: true,
      followedByMe: false,
    });
  });
});
