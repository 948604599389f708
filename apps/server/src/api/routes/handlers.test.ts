import { describe, expect, expectTypeOf, it } from 'vitest';
import { endpoints } from '@graminsta/contracts';
import type { Call, Handlers } from './handler.ts';
import { handlers } from './handlers.ts';

describe('the handler map', () => {
  it('serves every endpoint of the table and nothing else', () => {
    expect(Object.keys(handlers).sort()).toEqual(Object.keys(endpoints).sort());
  });

  it('refuses, as a type error, a missing handler or one that answers the wrong shape', () => {
    // @ts-expect-error getMe has no handler
    const missing: Handlers = { ...handlers, getMe: undefined };
    const wrong: Handlers = {
      ...handlers,
      // @ts-expect-error an Ok is not the Me that getMe answers
      getMe: async () => ({ ok: true }),
    };
    expect(missing.getMe).toBeUndefined();
    expect(wrong.getMe).not.toBe(handlers.getMe);
  });

  it("gives a handler the caller its endpoint's auth guarantees, and its validated input", () => {
    expectTypeOf<Call<'getMe'>['userId']>().toEqualTypeOf<string>();
    expectTypeOf<Call<'logOut'>['sessionToken']>().toEqualTypeOf<string>();
    expectTypeOf<Call<'getPhoto'>['userId']>().toEqualTypeOf<string | null>();
    expectTypeOf<Call<'searchUsers'>['userId']>().toEqualTypeOf<string | null>();
    expectTypeOf<Call<'logIn'>['userId']>().toEqualTypeOf<null>();
    expectTypeOf<Call<'addComment'>['body']>().toEqualTypeOf<{ body: string }>();
    expectTypeOf<Call<'feed'>['query']>().toEqualTypeOf<{ cursor?: string | undefined; limit: number }>();
  });
});
