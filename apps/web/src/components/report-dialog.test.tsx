// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import type { Profile } from '@graminsta/contracts';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { Providers, ann, bob, meAnn, testClient, type Call } from '../testing/fakes.tsx';
import { post } from '../testing/posts.ts';
import { Comments } from './comments.tsx';
import { PhotoCard } from './photo-card.tsx';
import { ProfileMenu } from './profile-menu.tsx';

afterEach(cleanup);

const bobProfile: Profile = {
  ...bob,
  bio: '',
  followerCount: 0,
  followingCount: 0,
  photoCount: 0,
  followedByMe: false,
  private: false,
  requestedByMe: false,
  blockedByMe: false,
  mutedByMe: false,
  createdAt: '2026-01-01T00:00:00Z',
};

const answer = (call: Call) => {
  if (call.path === '/api/v1/reports') {
    const body = call.body as { target: { type: string; id: string }; reason: string };
    return {
      status: 201,
      body: { id: '900', ...body, status: 'open', createdAt: '2026-01-01T00:00:00Z', resolvedAt: null },
    };
  }
  if (call.path.endsWith('/comments')) {
    const comment = (id: string, author: typeof ann) => ({
      id,
      photoId: '5',
      author,
      body: `said by ${author.username}`,
      createdAt: '2026-01-01T00:00:00Z',
    });
    return { status: 200, body: { items: [comment('71', bob), comment('72', ann)], nextCursor: null } };
  }
  return { status: 200, body: { items: [], nextCursor: null, unreadCount: 0 } };
};

describe('reporting from a post menu and a comment', () => {
  it('reports a post from its "More options" menu with a reason, and confirms', async () => {
    const { client, calls } = testClient(answer);
    render(
      <Providers client={client} me={meAnn}>
        <PhotoCard photo={post('5', 1)} signedIn />
      </Providers>,
    );
    const more = screen.getByRole('button', { name: 'More options' });
    expect(more.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(more);
    fireEvent.click(screen.getByRole('menuitem', { name: 'Report' }));
    const dialog = screen.getByRole('dialog', { name: 'Report this post' });
    const send = within(dialog).getByRole('button', { name: 'Send report' }) as HTMLButtonElement;
    expect(send.disabled).toBe(true); // no reason yet
    fireEvent.change(within(dialog).getByLabelText(/Why should a moderator/), { target: { value: 'spam' } });
    fireEvent.click(send);
    expect(await within(dialog).findByRole('status')).toHaveProperty(
      'textContent',
      expect.stringContaining('A moderator will look at this post'),
    );
    expect(calls.filter((c) => c.path === '/api/v1/reports').map((c) => c.body)).toEqual([
      { target: { type: 'photo', id: '5' }, reason: 'spam' },
    ]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('offers no menu on your own post, nor when signed out', () => {
    const { client } = testClient(answer);
    const { unmount } = render(
      <Providers client={client} me={meAnn}>
        <PhotoCard photo={post('5', 1, { owner: ann })} signedIn />
      </Providers>,
    );
    expect(screen.queryByRole('button', { name: 'More options' })).toBeNull();
    unmount();
    render(
      <Providers client={client} me={null}>
        <PhotoCard photo={post('5', 1)} signedIn={false} />
      </Providers>,
    );
    expect(screen.queryByRole('button', { name: 'More options' })).toBeNull();
  });

  it("reports an account from its profile's menu", async () => {
    const { client, calls } = testClient(answer);
    render(
      <Providers client={client} me={meAnn}>
        <ProfileMenu profile={bobProfile} onChange={() => undefined} />
      </Providers>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'More options for bob' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Report' }));
    const dialog = screen.getByRole('dialog', { name: 'Report this account' });
    fireEvent.change(within(dialog).getByLabelText(/Why should a moderator/), {
      target: { value: 'impostor' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Send report' }));
    await within(dialog).findByRole('status');
    expect(calls.filter((c) => c.path === '/api/v1/reports').map((c) => c.body)).toEqual([
      { target: { type: 'user', id: bob.id }, reason: 'impostor' },
    ]);
  });

  it("reports someone else's comment, never your own", async () => {
    const { client, calls } = testClient(answer);
    render(
      <Providers client={client} me={meAnn}>
        <Comments photoId="5" onCountChange={() => {}} />
      </Providers>,
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Report the comment by bob' }));
    expect(screen.queryByRole('button', { name: 'Report the comment by ann' })).toBeNull();
    const dialog = screen.getByRole('dialog', { name: 'Report this comment' });
    fireEvent.change(within(dialog).getByLabelText(/Why should a moderator/), { target: { value: 'rude' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Send report' }));
    await within(dialog).findByRole('status');
    expect(calls.filter((c) => c.path === '/api/v1/reports').map((c) => c.body)).toEqual([
      { target: { type: 'comment', id: '71' }, reason: 'rude' },
    ]);
  });
});
