// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { act, cleanup, render, screen, within } from '@testing-library/react';
import {
  FakeIntersectionObserver,
  FakeSocket,
  Providers,
  events,
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

const inPost = notification('31', { type: 'mention', photo: { id: '5', thumbUrl: null } });
const inComment = notification('32', {
  type: 'mention',
  photo: { id: '6', thumbUrl: null },
  comment: { id: '70', body: 'look @ann' },
});

describe('NotificationsPage: mentions', () => {
  it('says where you were mentioned, links the post, and shows a new mention live', async () => {
    const { client } = testClient((call) =>
      call.path === '/api/v1/notifications'
        ? { status: 200, body: { items: [inComment], nextCursor: null, unreadCount: 1 } }
        : { status: 200, body: { unreadCount: 0 } },
    );
    render(
      <Providers client={client} me={meAnn}>
        <NotificationsPage />
      </Providers>,
    );
    const list = await screen.findByRole('list', { name: 'Notifications' });
    await within(list).findByText(/mentioned you in a comment:/);
    expect(within(list).getByText('look @ann')).toBeTruthy();

    act(() => {
      FakeSocket.latest().serverReady();
      FakeSocket.latest().serverSends(events.notification('40', inPost));
    });
    const items = await within(list).findAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(items[0]!.querySelector('p')!.textContent).toMatch(/^bob mentioned you in a post\./);
    expect(
      within(items[0]!)
        .getAllByRole('link')
        .map((a) => a.getAttribute('href')),
    ).toContain('/p/5');
  });
});
