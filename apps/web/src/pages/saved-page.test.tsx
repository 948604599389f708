// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { FakeIntersectionObserver, Providers, meAnn, testClient, type Call } from '../testing/fakes.tsx';
import { post } from '../testing/posts.ts';
import { SavedPage } from './saved-page.tsx';

beforeEach(() => {
  FakeIntersectionObserver.all = [];
  globalThis.IntersectionObserver = FakeIntersectionObserver as unknown as typeof IntersectionObserver;
});
afterEach(cleanup);

const PAGES = {
  first: { items: [post('9', 3, { savedByMe: true }), post('8', 1, { savedByMe: true })], nextCursor: 'c8' },
  c8: { items: [post('7', 2, { savedByMe: true })], nextCursor: null },
};

describe('SavedPage', () => {
  it('lists your saved posts as a grid, marks posts of several photos, and loads more', async () => {
    const { client, calls } = testClient((call: Call) =>
      call.path === '/api/v1/me/saved'
        ? { status: 200, body: PAGES[(call.query.get('cursor') ?? 'first') as keyof typeof PAGES] }
        : { status: 200, body: { items: [], nextCursor: null, unreadCount: 0 } },
    );
    render(
      <Providers client={client} me={meAnn}>
        <SavedPage />
      </Providers>,
    );
    expect(await screen.findByRole('heading', { name: 'Saved' })).toBeTruthy();
    const grid = screen.getByTestId('photo-grid');
    await within(grid).findByRole('link', { name: /alt 9\.1/ });
    const links = () =>
      within(grid)
        .getAllByRole('link')
        .map((a) => a.getAttribute('href'));
    expect(links()).toEqual(['/p/9', '/p/8']);
    // The first photo with a marker naming the count; a single photo has none.
    expect(within(grid).getByRole('img', { name: '3 photos' })).toBeTruthy();
    expect(within(grid).queryByRole('img', { name: '1 photo' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Load more saved posts' }));
    await within(grid).findByRole('link', { name: /alt 7\.1/ });
    expect(links()).toEqual(['/p/9', '/p/8', '/p/7']);
    expect(within(grid).getByRole('img', { name: '2 photos' })).toBeTruthy();
    expect(calls.filter((c) => c.path === '/api/v1/me/saved').map((c) => c.query.get('cursor'))).toEqual([
      null,
      'c8',
    ]);
  });
});
