// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/react';
import {
  FakeIntersectionObserver,
  FakeSocket,
  Providers,
  meAnn,
  notification,
  testClient,
} from '../testing/fakes.tsx';
import { NotificationsPage } from './notifications-page.tsx';

beforeEach(() => {
  FakeSocket.all = [];
  FakeIntersectionObserver.all = [];
  globalThis.IntersectionObserver = FakeIntersectionObserver as unknown as typeof IntersectionObserver;
});
afterEach(cleanup);

describe('NotificationsPage: follow requests', () => {
  it('links a follow request to /requests, and an acceptance to no such page', async () => {
    const asked = notification('41', { type: 'follow_request' });
    const accepted = notification('42', { type: 'follow_accept' });
    const { client } = testClient((call) =>
      call.path === '/api/v1/notifications'
        ? { status: 200, body: { items: [accepted, asked], nextCursor: null, unreadCount: 2 } }
        : { status: 200, body: { unreadCount: 0 } },
    );
    render(
      <Providers client={client} me={{ ...meAnn, private: true }}>
        <NotificationsPage />
      </Providers>,
    );
    const list = await screen.findByRole('list', { name: 'Notifications' });
    const [first, second] = await within(list).findAllByRole('listitem');
    expect(within(first!).getByText(/accepted your follow request/)).toBeTruthy();
    expect(within(first!).queryByRole('link', { name: 'Review follow requests' })).toBeNull();
    expect(within(second!).getByText(/asked to follow you/)).toBeTruthy();
    const review = within(second!).getByRole('link', { name: 'Review follow requests' });
    expect(review.getAttribute('href')).toBe('/requests');
  });
});
