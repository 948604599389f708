// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { Providers, meAnn, testClient, type Call } from '../testing/fakes.tsx';
import { AuthPage } from './auth-page.tsx';
import { ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from './recovery-pages.tsx';

const TOKEN = 'A'.repeat(43);

beforeEach(() => window.history.replaceState(null, '', '/'));
afterEach(cleanup);

function fill(fields: Record<string, string>) {
  for (const [label, value] of Object.entries(fields)) {
    fireEvent.change(screen.getByLabelText(label), { target: { value } });
  }
}

describe('recovery pages', () => {
  it('links "Forgot password?" from the log-in form', () => {
    const { client } = testClient(() => ({ status: 500 }));
    render(
      <Providers client={client} me={null}>
        <AuthPage mode="login" />
      </Providers>,
    );
    expect(screen.getByRole('link', { name: 'Forgot password?' }).getAttribute('href')).toBe(
      '/forgot-password',
    );
  });

  it('signs up with an optional e-mail address', async () => {
    let sent: unknown;
    const { client } = testClient((call) => {
      if (call.path === '/api/v1/accounts') sent = call.body;
      return { status: 201, body: { user: meAnn, token: 't' } };
    });
    render(
      <Providers client={client} me={null}>
        <AuthPage mode="signup" />
      </Providers>,
    );
    fill({ Username: 'ann', 'E-mail (optional)': ' ann@example.com ', Password: 'long enough pw' });
    fireEvent.click(screen.getByRole('button', { name: 'Sign up' }));
    await waitFor(() =>
      expect(sent).toEqual({ username: 'ann', password: 'long enough pw', email: 'ann@example.com' }),
    );
  });

  it('asks for a reset link and says only that one is on its way if the address is known', async () => {
    const calls: Call[] = [];
    const { client } = testClient((call) => {
      calls.push(call);
      return { status: 202, body: { ok: true } };
    });
    render(
      <Providers client={client} me={null}>
        <ForgotPasswordPage />
      </Providers>,
    );
    fill({ 'Your account’s e-mail address': 'ann@example.com' });
    fireEvent.click(screen.getByRole('button', { name: 'Mail me a link' }));
    expect((await screen.findByRole('status')).textContent).toMatch(/If an account uses ann@example\.com/);
    expect(calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ['POST', '/api/v1/password-resets', { email: 'ann@example.com' }],
    ]);
  });

  it('sets a new password with the link token, refusing two different entries first', async () => {
    const calls: Call[] = [];
    const { client } = testClient((call) => {
      calls.push(call);
      return { status: 200, body: { ok: true } };
    });
    render(
      <Providers client={client} me={null}>
        <ResetPasswordPage token={TOKEN} />
      </Providers>,
    );
    fill({ 'New password': 'a new password', 'New password again': 'a new passwort' });
    fireEvent.click(screen.getByRole('button', { name: 'Set the password' }));
    expect((await screen.findByRole('alert')).textContent).toBe('the two passwords differ');
    expect(calls).toEqual([]);
    fill({ 'New password again': 'a new password' });
    fireEvent.click(screen.getByRole('button', { name: 'Set the password' }));
    expect((await screen.findByRole('status')).textContent).toMatch(/every device was signed out/);
    expect(calls.map((c) => [c.path, c.body])).toEqual([
      [`/api/v1/password-resets/${TOKEN}`, { password: 'a new password' }],
    ]);
  });

  it('shows the API’s answer to a used reset link', async () => {
    const { client } = testClient(() => ({
      status: 410,
      body: { error: { code: 'gone', message: 'this link is used or expired' } },
    }));
    render(
      <Providers client={client} me={null}>
        <ResetPasswordPage token={TOKEN} />
      </Providers>,
    );
    fill({ 'New password': 'a new password', 'New password again': 'a new password' });
    fireEvent.click(screen.getByRole('button', { name: 'Set the password' }));
    expect((await screen.findByRole('alert')).textContent).toBe('this link is used or expired');
  });

  it('confirms an address once on opening the link, and says so', async () => {
    const calls: Call[] = [];
    const { client } = testClient((call) => {
      calls.push(call);
      return { status: 200, body: { ok: true } };
    });
    render(
      <Providers client={client} me={null}>
        <VerifyEmailPage token={TOKEN} />
      </Providers>,
    );
    expect((await screen.findByText('Your e-mail address is confirmed.')).getAttribute('role')).toBe(
      'status',
    );
    expect(calls.map((c) => [c.method, c.path])).toEqual([['POST', `/api/v1/email-verifications/${TOKEN}`]]);
  });
});
