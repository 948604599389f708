// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import {
  FakeIntersectionObserver,
  Providers,
  ann,
  bob,
  meAnn,
  testClient,
  type Call,
} from '../testing/fakes.tsx';
import { RequestsPage } from './requests-page.tsx';

beforeEach(() => {
  FakeIntersectionObserver.all = [];
  globalThis.IntersectionObserver = FakeIntersectionObserver as unknown as typeof IntersectionObserver;
});
afterEach(cleanup);

const cid = { id: '300', username: 'cid', displayName: '', avatarUrl: null };

describe('RequestsPage', () => {
  it('accepts one request and declines another, each leaving the list', async () => {
    const { client, calls } = testClient((call: Call) => {
      if (call.path === '/api/v1/me/follow-requests')
        return { status: 200, body: { items: [bob, cid], nextCursor: null } };
      if (call.path.endsWith('/accept')) return { status: 200, body: { accepted: true } };
      if (call.path.startsWith('/api/v1/me/follow-requests/'))
        return { status: 200, body: { accepted: false } };
      return { status: 200, body: { items: [], nextCursor: null, unreadCount: 0 } };
    });
    render(
      <Providers client={client} me={{ ...meAnn, ...ann, private: true }}>
        <RequestsPage />
      </Providers>,
    );
    const list = await screen.findByRole('list', { name: 'Follow requests' });
    await within(list).findByText('bob');
    fireEvent.click(within(list).getByRole('button', { name: 'Accept bob' }));
    await waitFor(() => expect(within(list).queryByText('bob')).toBeNull());
    fireEvent.click(within(list).getByRole('button', { name: 'Decline cid' }));
    expect(await screen.findByText('No pending requests.')).toBeTruthy();
    expect(calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /api/v1/me/follow-requests/bob/accept',
      'DELETE /api/v1/me/follow-requests/cid',
    ]);
  });

  it('keeps a request and shows the error when the answer fails', async () => {
    const { client } = testClient((call: Call) => {
      if (call.path === '/api/v1/me/follow-requests')
        return { status: 200, body: { items: [bob], nextCursor: null } };
      if (call.path.endsWith('/accept'))
        return { status: 404, body: { error: { code: 'not_found', message: 'follow request not found' } } };
      return { status: 200, body: { items: [], nextCursor: null, unreadCount: 0 } };
    });
    render(
      <Providers client={client} me={meAnn}>
        <RequestsPage />
      </Providers>,
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Accept bob' }));
    expect((await screen.findByRole('alert')).textContent).toContain('follow request not found');
    expect(screen.getByText('bob')).toBeTruthy();
  });
});
