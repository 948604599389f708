// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { AccountExport } from '@graminsta/contracts';
import { Providers, meAnn, notification, testClient } from '../../testing/fakes.tsx';
import { NotificationsPage } from '../notifications-page.tsx';
import { DataSection } from './data-section.tsx';

afterEach(cleanup);

const pending: AccountExport = {
  id: '77',
  status: 'pending',
  url: null,
  expiresAt: null,
  createdAt: new Date().toISOString(),
};
const ready: AccountExport = {
  ...pending,
  status: 'ready',
  url: '/api/v1/me/exports/77',
  expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
};

describe('DataSection', () => {
  it('asks for an export, then shows it in progress', async () => {
    const { client, calls } = testClient((call) =>
      call.method === 'POST' ? { status: 202, body: pending } : { status: 200, body: { export: null } },
    );
    render(
      <Providers client={client} me={meAnn}>
        <DataSection />
      </Providers>,
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Request an export' }));
    await screen.findByText(/being prepared/);
    expect(calls.some((c) => c.method === 'POST' && c.path === '/api/v1/me/export')).toBe(true);
    expect(screen.getByRole('button', { name: 'Export in progress' }).hasAttribute('disabled')).toBe(true);
  });

  it('links a ready export to its download', async () => {
    const { client } = testClient(() => ({ status: 200, body: { export: ready } }));
    render(
      <Providers client={client} me={meAnn}>
        <DataSection />
      </Providers>,
    );
    const link = await screen.findByRole('link', { name: 'download the zip' });
    expect(link.getAttribute('href')).toBe('/api/v1/me/exports/77');
  });

  it('shows a wrong password and stays; the right one signs out and goes home', async () => {
    window.history.pushState(null, '', '/settings');
    const { client, calls } = testClient((call) => {
      if (call.path === '/api/v1/me' && call.method === 'DELETE')
        return (call.body as { password: string }).password === 'right one'
          ? { status: 202, body: { status: 'deleting' } }
          : { status: 403, body: { error: { code: 'forbidden', message: 'wrong password' } } };
      if (call.path === '/api/v1/sessions/current')
        return { status: 401, body: { error: { code: 'unauthenticated', message: 'sign in first' } } };
      return { status: 200, body: { export: null } };
    });
    render(
      <Providers client={client} me={meAnn}>
        <DataSection />
      </Providers>,
    );
    expect(screen.getByText(/cannot be undone/)).toBeTruthy();
    const password = screen.getByLabelText('Your password');
    fireEvent.change(password, { target: { value: 'wrong one' } });
    fireEvent.click(screen.getByRole('button', { name: 'Delete my account' }));
    await screen.findByText('wrong password');
    expect(window.location.pathname).toBe('/settings');

    fireEvent.change(password, { target: { value: 'right one' } });
    fireEvent.click(screen.getByRole('button', { name: 'Delete my account' }));
    await waitFor(() => expect(window.location.pathname).toBe('/'));
    expect(calls.filter((c) => c.method === 'DELETE' && c.path === '/api/v1/me').map((c) => c.body)).toEqual([
      { password: 'wrong one' },
      { password: 'right one' },
    ]);
  });
});

describe('NotificationsPage: export ready', () => {
  it('links the notification to the download', async () => {
    const n = notification('90', {
      type: 'export_ready',
      export: { id: '77', url: '/api/v1/me/exports/77', expiresAt: ready.expiresAt! },
    });
    const { client } = testClient((call) =>
      call.path === '/api/v1/notifications'
        ? { status: 200, body: { items: [n], nextCursor: null, unreadCount: 1 } }
        : { status: 200, body: { unreadCount: 0 } },
    );
    render(
      <Providers client={client} me={meAnn}>
        <NotificationsPage />
      </Providers>,
    );
    const link = await screen.findByRole('link', { name: 'Download your data' });
    expect(link.getAttribute('href')).toBe('/api/v1/me/exports/77');
  });
});
