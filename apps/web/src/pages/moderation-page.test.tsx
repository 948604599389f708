// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { Me, ReportItem } from '@graminsta/contracts';
import { Nav } from '../components/nav.tsx';
import {
  FakeIntersectionObserver,
  Providers,
  ann,
  bob,
  meAnn,
  testClient,
  type Call,
} from '../testing/fakes.tsx';
import { post } from '../testing/posts.ts';
import { ModerationPage } from './moderation-page.tsx';

beforeEach(() => {
  FakeIntersectionObserver.all = [];
  globalThis.IntersectionObserver = FakeIntersectionObserver as unknown as typeof IntersectionObserver;
});
afterEach(cleanup);

const moderator: Me = { ...meAnn, role: 'moderator' };
const carol = { id: '300', username: 'carol', displayName: 'Carol', avatarUrl: null };

function item(id: string, extra: Partial<ReportItem>): ReportItem {
  return {
    id,
    target: { type: 'photo', id: '5' },
    reason: `reason ${id}`,
    status: 'open',
    createdAt: '2026-01-01T00:00:00Z',
    resolvedAt: null,
    reporter: carol,
    targetOwner: bob,
    openReports: 1,
    content: null,
    ...extra,
  };
}

const QUEUE: ReportItem[] = [
  item('1', {
    content: { type: 'photo', photo: post('5', 1, { caption: 'cheap followers here' }) },
    openReports: 2,
  }),
  item('2', {
    reporter: ann,
    reason: 'same post',
    content: { type: 'photo', photo: post('5', 1) },
    openReports: 2,
  }),
  item('3', {
    target: { type: 'comment', id: '77' },
    content: {
      type: 'comment',
      comment: { id: '77', author: bob, body: 'dm me for deals', createdAt: '2026-01-01T00:00:00Z' },
      photo: post('5', 1, { caption: 'under here' }),
    },
  }),
  item('4', {
    target: { type: 'user', id: bob.id },
    content: {
      type: 'user',
      user: {
        ...bob,
        bio: 'totally real',
        private: true,
        suspended: false,
        photoCount: 3,
        followerCount: 1,
        createdAt: '2026-01-01T00:00:00Z',
      },
    },
  }),
];

function setup(me: Me = moderator) {
  const { client, calls } = testClient((call: Call) => {
    if (call.path === '/api/v1/admin/reports')
      return { status: 200, body: { items: QUEUE, nextCursor: null } };
    if (call.path.startsWith('/api/v1/admin/reports/')) {
      return { status: 200, body: { ...QUEUE[0], status: 'removed' } };
    }
    return { status: 200, body: { items: [], nextCursor: null, unreadCount: 0 } };
  });
  render(
    <Providers client={client} me={me}>
      <Nav />
      <ModerationPage />
    </Providers>,
  );
  return calls;
}

describe('ModerationPage', () => {
  it('shows each report with its content in context and the reporter’s reason', async () => {
    setup();
    const items = await screen.findAllByTestId('report-item');
    expect(items).toHaveLength(4);
    const [first, , onComment, onUser] = items;
    expect(within(first!).getByRole('img', { name: 'alt 5.1' })).toBeTruthy();
    expect(first!.textContent).toContain('cheap followers here');
    expect(first!.textContent).toContain('2 open reports');
    expect(within(first!).getByLabelText('Reason given').textContent).toBe('reason 1');
    expect(within(onComment!).getByTestId('reported-comment').textContent).toContain('dm me for deals');
    expect(onComment!.textContent).toContain('under here');
    expect(onUser!.textContent).toContain('totally real');
    expect(onUser!.textContent).toContain('private account');
    // Moderators find the page from the nav.
    expect(screen.getByRole('link', { name: 'Moderation' }).getAttribute('href')).toBe('/moderation');
  });

  it('removes with a reason: the reports on that post and its comments leave the queue, the others stay', async () => {
    const calls = setup();
    const [first] = await screen.findAllByTestId('report-item');
    fireEvent.change(within(first!).getByLabelText(/Your reason/), { target: { value: 'scam' } });
    fireEvent.click(within(first!).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(screen.getAllByTestId('report-item')).toHaveLength(1));
    expect(screen.getByText('reason 4')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST').map((c) => [c.path, c.body])).toEqual([
      ['/api/v1/admin/reports/1/resolve', { action: 'remove', reason: 'scam' }],
    ]);
  });

  it('dismissing leaves the reports on other targets', async () => {
    setup();
    const [first] = await screen.findAllByTestId('report-item');
    fireEvent.click(within(first!).getByRole('button', { name: 'Dismiss' }));
    await waitFor(() => expect(screen.getAllByTestId('report-item')).toHaveLength(2));
    expect(screen.getByText('reason 3')).toBeTruthy();
  });

  it('suspending an account clears every report on its things', async () => {
    setup();
    const items = await screen.findAllByTestId('report-item');
    fireEvent.click(within(items[3]!).getByRole('button', { name: 'Suspend' }));
    expect(await screen.findByText('No open reports.')).toBeTruthy();
  });

  it('is closed to other users, with no moderation link in their nav', () => {
    const calls = setup(meAnn);
    expect(screen.getByText('Only moderators can see the report queue.')).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Moderation' })).toBeNull();
    expect(calls.some((c) => c.path === '/api/v1/admin/reports')).toBe(false);
  });
});
