// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { act, cleanup, render, screen, within } from '@testing-library/react';
import type { Photo } from '@graminsta/contracts';
import {
  FakeIntersectionObserver,
  FakeSocket,
  Providers,
  meAnn,
  photo,
  testClient,
  type Call,
} from '../testing/fakes.tsx';
import { FeedPage } from './feed-page.tsx';

const PAGES: Record<string, { items: Photo[]; nextCursor: string | null }> = {
  first: { items: [photo('9'), photo('8'), photo('7')], nextCursor: 'c7' },
  c7: { items: [photo('7'), photo('6'), photo('5')], nextCursor: 'c5' }, // 7 again: the feed moved on
  c5: { items: [photo('4')], nextCursor: null },
};

function feedApi(call: Call) {
  if (call.path === '/api/v1/feed') return { status: 200, body: PAGES[call.query.get('cursor') ?? 'first'] };
  return { status: 200, body: { items: [], nextCursor: null, unreadCount: 0 } };
}

/** The feed page, signed in as Ann, on the paged API above; returns the calls it makes. */
function renderFeed() {
  const { client, calls } = testClient(feedApi);
  render(
    <Providers client={client} me={meAnn}>
      <FeedPage />
    </Providers>,
  );
  return { calls };
}

const shownIds = () =>
  within(screen.getByTestId('feed-list'))
    .getAllByTestId('photo-card')
    .map((card) => card.querySelector('img')!.getAttribute('alt'));

beforeEach(() => {
  FakeIntersectionObserver.all = [];
  globalThis.IntersectionObserver = FakeIntersectionObserver as unknown as typeof IntersectionObserver;
});
afterEach(cleanup);

describe('FeedPage infinite scroll', () => {
  it('loads the next page with nextCursor as the end scrolls into view, without duplicates, and stops at null', async () => {
    const { calls } = renderFeed();
    await screen.findByAltText('alt 9');
    expect(shownIds()).toEqual(['alt 9', 'alt 8', 'alt 7']);

    await FakeIntersectionObserver.watching();
    await act(async () => FakeIntersectionObserver.scrollIntoView());
    await screen.findByAltText('alt 5');
    expect(shownIds()).toEqual(['alt 9', 'alt 8', 'alt 7', 'alt 6', 'alt 5']);

    await FakeIntersectionObserver.watching();
    await act(async () => FakeIntersectionObserver.scrollIntoView());
    await screen.findByAltText('alt 4');
    expect(shownIds()).toEqual(['alt 9', 'alt 8', 'alt 7', 'alt 6', 'alt 5', 'alt 4']);

    // nextCursor was null: scrolling on asks for nothing more, and the "load more" control is gone.
    await act(async () => FakeIntersectionObserver.scrollIntoView());
    const feedCalls = calls.filter((c) => c.path === '/api/v1/feed').map((c) => c.query.get('cursor'));
    expect(feedCalls).toEqual([null, 'c7', 'c5']);
    expect(screen.queryByRole('button', { name: /load more/i })).toBeNull();
  });

  it('asks for each page once even when the end is seen twice before the answer comes', async () => {
    const { calls } = renderFeed();
    await screen.findByAltText('alt 9');
    await FakeIntersectionObserver.watching();
    await act(async () => {
      FakeIntersectionObserver.scrollIntoView();
      FakeIntersectionObserver.scrollIntoView();
    });
    await screen.findByAltText('alt 5');
    expect(calls.filter((c) => c.path === '/api/v1/feed').map((c) => c.query.get('cursor'))).toEqual([
      null,
      'c7',
    ]);
  });

  it('offers a button for keyboards that loads the next page too', async () => {
    renderFeed();
    (await screen.findByRole('button', { name: 'Load more photos' })).click();
    await screen.findByAltText('alt 6');
  });
});

describe('FeedPage new posts', () => {
  it('offers "New posts" when a followed account posts, and reloads the feed from the top when asked', async () => {
    FakeSocket.all = [];
    const { calls } = renderFeed();
    await screen.findByAltText('alt 9');
    expect(screen.queryByRole('button', { name: 'New posts' })).toBeNull();
    const socket = FakeSocket.latest();
    act(() => socket.serverReady());
    act(() =>
      socket.serverSends({
        id: '50',
        type: 'post.new',
        data: { photoId: '10', author: { id: '2', username: 'ben' } },
      }),
    );
    const button = await screen.findByRole('button', { name: 'New posts' });
    const firstPages = () => calls.filter((c) => c.path === '/api/v1/feed' && !c.query.get('cursor')).length;
    expect(firstPages()).toBe(1);
    await act(async () => button.click());
    await screen.findByAltText('alt 9');
    expect(firstPages()).toBe(2);
    expect(screen.queryByRole('button', { name: 'New posts' })).toBeNull();
  });
});
