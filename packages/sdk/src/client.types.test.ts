import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Comment, Me, Photo } from '@graminsta/contracts';
import { GraminstaClient } from './client.ts';

// Type checks run under `tsc`; the fetch below fails every request, as if the network were down.
const client = new GraminstaClient({
  baseUrl: 'http://h',
  fetch: () => Promise.reject(new Error('not sent')),
});

describe('endpoint methods typed from the table', () => {
  it('answer with the entry response type', () => {
    expectTypeOf(client.getPhoto).returns.resolves.toEqualTypeOf<Photo>();
    expectTypeOf(client.addComment).returns.resolves.toEqualTypeOf<Comment>();
    expectTypeOf(client.getMe).returns.resolves.toEqualTypeOf<Me>();
  });

  it('take the input each entry declares, leaving out what is all-optional', async () => {
    for (const call of [
      client.getPhoto({ params: { id: '1' } }),
      client.feed(),
      client.feed({ query: { cursor: 'c' } }, { signal: AbortSignal.timeout(1000) }),
      client.listUserPhotos({ params: { username: 'ann' } }),
      client.markNotificationsRead(),
      client.getMe({ signal: AbortSignal.timeout(1000) }),
    ])
      await expect(call).rejects.toMatchObject({ code: 'network_error' });
  });
});

// Never called: each line must fail to type-check (tsc reports an unused @ts-expect-error).
export function refused() {
  // @ts-expect-error the photo id is required
  void client.getPhoto();
  // @ts-expect-error params must carry the id
  void client.getPhoto({ params: {} });
  // @ts-expect-error an id is a string, not a number
  void client.getPhoto({ params: { id: 1 } });
  // @ts-expect-error the old positional form is gone
  void client.follow('ann');
  // @ts-expect-error addComment needs a body
  void client.addComment({ params: { id: '1' } });
  // @ts-expect-error getMe takes no input, only call options
  void client.getMe({ params: { id: '1' } });
  // @ts-expect-error feed has no path params
  void client.feed({ params: { id: '1' } });
  // @ts-expect-error signUp's body is checked field by field
  void client.signUp({ body: { username: 'ann' } });
  // @ts-expect-error a body where the entry has none
  void client.getPhoto({ params: { id: '1' }, body: {} });
}
