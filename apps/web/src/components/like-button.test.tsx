// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { Providers, deferred, meAnn, photo, testClient, type Call } from '../testing/fakes.tsx';
import { LikeButton } from './like-button.tsx';

afterEach(cleanup);

type Answer = { status: number; body?: unknown };

/** Like calls wait until the test answers them. */
function heldLikes() {
  const pending: Array<{ call: Call; answer: (a: Answer) => void }> = [];
  const { client, calls } = testClient((call) => {
    if (!call.path.endsWith('/like'))
      return { status: 200, body: { items: [], nextCursor: null, unreadCount: 0 } };
    const d = deferred<Answer>();
    pending.push({ call, answer: d.resolve });
    return d.promise;
  });
  return { client, calls, pending };
}

const count = () => screen.getByTestId('like-count').textContent;
const button = () => screen.getByTestId('like-button');

describe('LikeButton', () => {
  it('counts the like at once and keeps the count the API confirms', async () => {
    const { client, pending } = heldLikes();
    render(
      <Providers client={client} me={meAnn}>
        <LikeButton photo={photo('5', { likeCount: 3 })} signedIn />
      </Providers>,
    );
    expect(count()).toBe('3 likes');
    fireEvent.click(button());
    expect(count()).toBe('4 likes');
    expect(button().getAttribute('aria-pressed')).toBe('true');
    expect(pending[0]!.call).toMatchObject({ method: 'PUT', path: '/api/v1/photos/5/like' });

    // Someone else liked meanwhile: the server's count wins.
    await act(async () => pending[0]!.answer({ status: 200, body: { liked: true, likeCount: 5 } }));
    expect(count()).toBe('5 likes');
  });

  it('puts the count and state back and says why when the API refuses', async () => {
    const { client, pending } = heldLikes();
    render(
      <Providers client={client} me={meAnn}>
        <LikeButton photo={photo('5', { likeCount: 1, likedByMe: true })} signedIn />
      </Providers>,
    );
    fireEvent.click(button());
    expect(count()).toBe('0 likes');
    expect(button().getAttribute('aria-pressed')).toBe('false');
    expect(pending[0]!.call.method).toBe('DELETE');

    await act(async () =>
      pending[0]!.answer({ status: 404, body: { error: { code: 'not_found', message: 'photo not found' } } }),
    );
    expect(count()).toBe('1 like');
    expect(button().getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByRole('alert').textContent).toBe('photo not found');
  });

  it('rolls back when the network fails', async () => {
    const { client } = testClient(() => Promise.reject(new TypeError('Failed to fetch')));
    render(
      <Providers client={client} me={null}>
        <LikeButton photo={photo('5', { likeCount: 2 })} signedIn />
      </Providers>,
    );
    fireEvent.click(button());
    expect(count()).toBe('3 likes');
    await screen.findByRole('alert');
    expect(count()).toBe('2 likes');
    expect(button().getAttribute('aria-pressed')).toBe('false');
  });
});
