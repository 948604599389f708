// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { listenForInstallPrompt } from '../lib/install-prompt.ts';
import { setThemeChoice } from '../lib/theme.ts';
import { FakeSocket, Providers, events, meAnn, testClient } from '../testing/fakes.tsx';
import { Nav } from './nav.tsx';

const notification = (id: string) => events.notification(id);

beforeEach(() => {
  FakeSocket.all = [];
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('Nav notification badge', () => {
  it('starts at the unread count and goes up live; after the socket drops it reconnects and resumes', async () => {
    const { client, calls } = testClient(() => ({
      status: 200,
      body: { items: [], nextCursor: null, unreadCount: 2 },
    }));
    render(
      <Providers client={client} me={meAnn}>
        <Nav />
      </Providers>,
    );
    expect((await screen.findByTestId('notification-badge')).textContent).toBe('2');
    expect(calls[0]).toMatchObject({ method: 'GET', path: '/api/v1/notifications' });

    const first = FakeSocket.latest();
    expect(first.url).toBe('ws://api.test/ws');
    act(() => first.serverReady());
    // The cookie authenticates the upgrade: the page sends no token.
    expect(first.sent).toEqual([]);
    act(() => first.serverSends(notification('41')));
    expect(screen.getByTestId('notification-badge').textContent).toBe('3');
    expect(screen.getByTestId('notification-badge').getAttribute('aria-label')).toBe('3 unread');

    vi.useFakeTimers();
    act(() => first.serverCloses());
    expect(FakeSocket.all).toHaveLength(1);
    act(() => {
      vi.advanceTimersByTime(30_000);
    });
    expect(FakeSocket.all).toHaveLength(2);
    const second = FakeSocket.latest();
    act(() => second.serverReady());
    expect(second.url).toBe('ws://api.test/ws?lastEventId=41');
    expect(second.sent).toEqual([]);
    act(() => {
      second.serverSends(notification('41')); // replayed: already counted
      second.serverSends(notification('42'));
    });
    expect(screen.getByTestId('notification-badge').textContent).toBe('4');
  });

  it('shows no badge and opens no socket when signed out', () => {
    const { client } = testClient(() => ({
      status: 401,
      body: { error: { code: 'unauthenticated', message: 'x' } },
    }));
    render(
      <Providers client={client} me={null}>
        <Nav />
      </Providers>,
    );
    expect(screen.queryByTestId('notification-badge')).toBeNull();
    expect(screen.getByRole('link', { name: 'Log in' })).toBeTruthy();
    expect(FakeSocket.all).toHaveLength(0);
  });
});

describe('Nav theme switch and install button', () => {
  const signedOut = () => {
    const { client } = testClient(() => ({ status: 200, body: { user: null } }));
    render(
      <Providers client={client} me={null}>
        <Nav />
      </Providers>,
    );
  };
  afterEach(() => act(() => setThemeChoice('system')));

  it('switches between the device’s theme, light and dark, and keeps the choice', () => {
    signedOut();
    const select = screen.getByRole<HTMLSelectElement>('combobox', { name: 'Theme' });
    expect(select.value).toBe('system');
    fireEvent.change(select, { target: { value: 'dark' } });
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(window.localStorage.getItem('graminsta.theme')).toBe('dark');
    expect(select.value).toBe('dark');
    fireEvent.change(select, { target: { value: 'system' } });
    expect(document.documentElement.dataset.theme).toBeUndefined();
  });

  it('offers "Install app" only once the browser does, and hands the click to its prompt', async () => {
    listenForInstallPrompt(window);
    signedOut();
    expect(screen.queryByRole('button', { name: 'Install app' })).toBeNull();

    const prompted: string[] = [];
    const offer = Object.assign(new Event('beforeinstallprompt', { cancelable: true }), {
      prompt: async () => void prompted.push('prompt'),
      userChoice: Promise.resolve({ outcome: 'accepted' as const }),
    });
    act(() => void window.dispatchEvent(offer));
    expect(offer.defaultPrevented).toBe(true); // no mini-infobar: our button asks
    await act(async () => screen.getByRole('button', { name: 'Install app' }).click());
    expect(prompted).toEqual(['prompt']);
    // One offer, one prompt: the button goes until the browser offers again.
    expect(screen.queryByRole('button', { name: 'Install app' })).toBeNull();
  });
});
