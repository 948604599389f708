// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { Profile } from '@graminsta/contracts';
import { FakeIntersectionObserver, Providers, bob, meAnn, testClient, type Call } from '../testing/fakes.tsx';
import { ProfilePage } from './profile-page.tsx';

beforeEach(() => {
  FakeIntersectionObserver.all = [];
  globalThis.IntersectionObserver = FakeIntersectionObserver as unknown as typeof IntersectionObserver;
});
afterEach(cleanup);

const bobProfile = (over: Partial<Profile> = {}): Profile => ({
  ...bob,
  bio: '',
  followerCount: 3,
  followingCount: 0,
  photoCount: 2,
  followedByMe: false,
  private: true,
  requestedByMe: false,
  blockedByMe: false,
  mutedByMe: false,
  createdAt: '2026-01-01T00:00:00Z',
  ...over,
});

/** Bob's profile as the server would keep it for Ann's follow, block and mute. */
function api(start: Profile) {
  const state = { ...start };
  const handler = (call: Call) => {
    const path = call.path.replace('/api/v1/users/bob', '');
    if (path === '' && call.method === 'GET') return { status: 200, body: state };
    if (path === '/follow') {
      state.requestedByMe = call.method === 'PUT';
      return {
        status: 200,
        body: { following: false, state: call.method === 'PUT' ? 'requested' : 'none', followerCount: 3 },
      };
    }
    if (path === '/block') return { status: 200, body: { blocked: call.method === 'PUT' } };
    if (path === '/mute') return { status: 200, body: { muted: call.method === 'PUT' } };
    return { status: 200, body: { items: [], nextCursor: null, unreadCount: 0 } };
  };
  return { handler, state };
}

function renderBob(start: Profile) {
  const { handler } = api(start);
  const { client, calls } = testClient(handler);
  render(
    <Providers client={client} me={meAnn}>
      <ProfilePage username="bob" />
    </Providers>,
  );
  return calls;
}

const writes = (calls: Call[]) => calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`);

describe('ProfilePage: requests, block and mute', () => {
  it('asks to follow a private account, shows "Requested", and withdraws on a second click', async () => {
    const calls = renderBob(bobProfile());
    expect(await screen.findByText('This account is private. Follow it to see its photos.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Follow' }));
    const requested = await screen.findByRole('button', { name: 'Requested' });
    expect(requested.getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(requested);
    await screen.findByRole('button', { name: 'Follow' });
    expect(writes(calls)).toEqual(['PUT /api/v1/users/bob/follow', 'DELETE /api/v1/users/bob/follow']);
  });

  it('blocks from the menu only after the confirmation, then offers Unblock', async () => {
    const calls = renderBob(bobProfile({ private: false, followedByMe: true }));
    fireEvent.click(await screen.findByRole('button', { name: 'More options for bob' }));
    const menu = screen.getByRole('menu');
    fireEvent.click(within(menu).getByRole('menuitem', { name: 'Block' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Block bob?' });
    // Cancel writes nothing.
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(writes(calls)).toEqual([]);

    fireEvent.click(within(screen.getByRole('menu')).getByRole('menuitem', { name: 'Block' }));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Block' }));
    await screen.findByText('2 followers');
    // Blocked: no follow button, and the menu now offers to lift the block.
    expect(screen.queryByRole('button', { name: /Follow/ })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'More options for bob' }));
    fireEvent.click(await screen.findByRole('menuitem', { name: 'Unblock' }));
    await screen.findByRole('button', { name: 'Follow' });
    expect(writes(calls)).toEqual(['PUT /api/v1/users/bob/block', 'DELETE /api/v1/users/bob/block']);
  });

  it('mutes and unmutes from the menu without a confirmation', async () => {
    const calls = renderBob(bobProfile({ private: false }));
    fireEvent.click(await screen.findByRole('button', { name: 'More options for bob' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Mute' }));
    await screen.findByRole('button', { name: 'More options for bob', expanded: false });
    fireEvent.click(screen.getByRole('button', { name: 'More options for bob' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Unmute' }));
    await screen.findByRole('button', { name: 'More options for bob', expanded: false });
    expect(writes(calls)).toEqual(['PUT /api/v1/users/bob/mute', 'DELETE /api/v1/users/bob/mute']);
  });
});
