// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { Profile } from '@graminsta/contracts';
import { App } from './app.tsx';
import {
  FakeIntersectionObserver,
  FakeSocket,
  bob,
  meAnn,
  photo,
  testClient,
  type Call,
} from './testing/fakes.tsx';

const bobProfile: Profile = {
  ...bob,
  bio: 'I take <i>photos</i> of #boats',
  followerCount: 1,
  followingCount: 0,
  photoCount: 2,
  followedByMe: false,
  private: false,
  requestedByMe: false,
  blockedByMe: false,
  mutedByMe: false,
  createdAt: '2026-01-01T00:00:00Z',
};

function api(call: Call) {
  const list = (items: unknown[]) => ({ status: 200, body: { items, nextCursor: null, unreadCount: 0 } });
  if (call.path === '/api/v1/users/bob') return { status: 200, body: bobProfile };
  if (call.path === '/api/v1/users/bob/follow')
    return { status: 200, body: { following: true, followerCount: 2 } };
  if (call.path.startsWith('/api/v1/users/bob/photos')) return list([photo('2'), photo('1')]);
  if (call.path === '/api/v1/photos/1')
    return { status: 200, body: photo('1', { caption: 'Harbour #boats' }) };
  if (call.path === '/api/v1/search/users') return list([bob]);
  if (call.path === '/api/v1/feed' || call.path === '/api/v1/explore') return list([photo('3')]);
  return list([]);
}

function renderAt(path: string) {
  window.history.replaceState(null, '', path);
  const { client, calls } = testClient(api);
  render(<App client={client} initialMe={meAnn} WebSocket={FakeSocket} />);
  return calls;
}

beforeEach(() => {
  globalThis.IntersectionObserver = FakeIntersectionObserver as unknown as typeof IntersectionObserver;
});
afterEach(cleanup);

describe('App routes', () => {
  it('shows the home feed for a signed-in user', async () => {
    renderAt('/');
    expect(await screen.findByAltText('alt 3')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Home' }).getAttribute('aria-current')).toBe('page');
  });

  it('shows a profile with counts and a follow button that updates the count', async () => {
    const calls = renderAt('/u/bob');
    expect(await screen.findByRole('heading', { name: 'bob' })).toBeTruthy();
    expect(screen.getByText('2 posts')).toBeTruthy();
    expect(screen.getByText('I take <i>photos</i> of', { exact: false })).toBeTruthy();
    expect(await screen.findByAltText('alt 2')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Follow' }));
    expect(await screen.findByRole('button', { name: 'Following' })).toBeTruthy();
    expect(screen.getByRole('link', { name: '2 followers' })).toBeTruthy();
    expect(calls.some((c) => c.method === 'PUT' && c.path === '/api/v1/users/bob/follow')).toBe(true);
  });

  it('opens a photo page with its caption, likes and a labelled comment box', async () => {
    renderAt('/p/1');
    expect(await screen.findByRole('link', { name: '#boats' })).toBeTruthy();
    expect(screen.getByTestId('like-button')).toBeTruthy();
    expect(screen.getByLabelText('Add a comment')).toBeTruthy();
  });

  it('searches users by prefix', async () => {
    renderAt('/search?q=bo');
    expect((await screen.findAllByRole('link', { name: /bob/ })).length).toBeGreaterThan(0);
  });

  it('says when a page does not exist', () => {
    renderAt('/nowhere/at/all');
    expect(screen.getByRole('heading', { name: 'Page not found' })).toBeTruthy();
  });

  it('moves between pages through links without reloading', async () => {
    renderAt('/');
    fireEvent.click(screen.getByRole('link', { name: 'Explore' }));
    expect(await screen.findByRole('heading', { name: 'Explore' })).toBeTruthy();
    expect(window.location.pathname).toBe('/explore');
  });
});
