// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Providers, meAnn, testClient, type Call } from '../testing/fakes.tsx';
import { AuthPage, safeNext } from './auth-page.tsx';

beforeEach(() => {
  window.localStorage.clear();
  window.history.replaceState(null, '', '/login?next=%2Fupload');
});
afterEach(cleanup);

function fill(fields: Record<string, string>) {
  for (const [label, value] of Object.entries(fields)) {
    fireEvent.change(screen.getByLabelText(label), { target: { value } });
  }
}

describe('AuthPage', () => {
  it("shows the API's error message in place and keeps you on the form", async () => {
    const { client } = testClient(() => ({
      status: 401,
      body: { error: { code: 'unauthenticated', message: 'wrong username or password' } },
    }));
    render(
      <Providers client={client} me={null}>
        <AuthPage mode="login" />
      </Providers>,
    );
    fill({ Username: 'ann', Password: 'nope' });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect((await screen.findByRole('alert')).textContent).toBe('wrong username or password');
    expect(window.location.pathname).toBe('/login');
    expect(window.localStorage.getItem('graminsta.token')).toBeNull();
  });

  it('signs up, keeps no token (the HttpOnly cookie is the credential) and goes where you were headed', async () => {
    let sent: Call | undefined;
    const { client } = testClient((call) => {
      if (call.path === '/api/v1/accounts') {
        sent = call;
        return { status: 201, body: { user: meAnn, token: 'fresh-token' } };
      }
      return { status: 200, body: { items: [], nextCursor: null, unreadCount: 0 } };
    });
    render(
      <Providers client={client} me={null}>
        <AuthPage mode="signup" />
      </Providers>,
    );
    fill({ Username: 'ann', 'Display name (optional)': 'Ann', Password: 'long enough pw' });
    fireEvent.click(screen.getByRole('button', { name: 'Sign up' }));
    await waitFor(() => expect(window.location.pathname).toBe('/upload'));
    expect(sent?.body).toEqual({ username: 'ann', password: 'long enough pw', displayName: 'Ann' });
    expect(window.localStorage.getItem('graminsta.token')).toBeNull();
    expect(window.localStorage.length).toBe(0);
    expect(client.token).toBeNull();
  });

  it('never redirects off the site after logging in', () => {
    expect(safeNext('/p/1')).toBe('/p/1');
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });
});
