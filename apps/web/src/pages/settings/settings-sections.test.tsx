// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { Providers, meAnn, testClient, type Call } from '../../testing/fakes.tsx';
import { DevicesSection } from './devices-section.tsx';
import { EmailSection } from './email-section.tsx';
import { PasswordSection } from './password-section.tsx';

afterEach(cleanup);

const device = (id: string, client: string, current: boolean) => ({
  id,
  client,
  current,
  createdAt: '2026-03-01T12:00:00Z',
  lastUsedAt: '2026-03-02T12:00:00Z',
});

describe('settings sections', () => {
  it('changes the e-mail address and says a confirmation link is on its way', async () => {
    const calls: Call[] = [];
    const { client } = testClient((call) => {
      calls.push(call);
      if (call.path !== '/api/v1/me/email')
        return { status: 200, body: { items: [], nextCursor: null, unreadCount: 0 } };
      return { status: 200, body: { ...meAnn, email: 'new@example.com', emailVerified: false } };
    });
    render(
      <Providers client={client} me={{ ...meAnn, email: 'old@example.com', emailVerified: true }}>
        <EmailSection me={{ ...meAnn, email: 'old@example.com', emailVerified: true }} />
      </Providers>,
    );
    expect(screen.getByText('old@example.com is confirmed.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Address'), { target: { value: 'new@example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('status')).textContent).toBe(
      'A confirmation link is on its way to new@example.com.',
    );
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts.map((c) => [c.path, c.body])).toEqual([['/api/v1/me/email', { email: 'new@example.com' }]]);
  });

  it('shows a taken address as the API’s error', async () => {
    const { client } = testClient(() => ({
      status: 409,
      body: { error: { code: 'email_taken', message: 'another account has that e-mail address' } },
    }));
    render(
      <Providers client={client} me={meAnn}>
        <EmailSection me={meAnn} />
      </Providers>,
    );
    fireEvent.change(screen.getByLabelText('Address'), { target: { value: 'bob@example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toBe('another account has that e-mail address');
  });

  it('changes the password with the current one, and reports a wrong one', async () => {
    let answer = {
      status: 403,
      body: { error: { code: 'forbidden', message: 'the current password is wrong' } },
    } as {
      status: number;
      body: unknown;
    };
    const calls: Call[] = [];
    const { client } = testClient((call) => {
      calls.push(call);
      return answer;
    });
    render(
      <Providers client={client} me={meAnn}>
        <PasswordSection />
      </Providers>,
    );
    const fillAll = () => {
      fireEvent.change(screen.getByLabelText('Current password'), { target: { value: 'old password' } });
      fireEvent.change(screen.getByLabelText('New password'), { target: { value: 'a new password' } });
      fireEvent.change(screen.getByLabelText('New password again'), { target: { value: 'a new password' } });
    };
    fillAll();
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect((await screen.findByRole('alert')).textContent).toBe('the current password is wrong');
    answer = { status: 200, body: { ok: true } };
    fillAll();
    fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
    expect((await screen.findByRole('status')).textContent).toMatch(/other devices are signed out/);
    expect(calls.at(-1)?.body).toEqual({ currentPassword: 'old password', newPassword: 'a new password' });
  });

  it('lists devices with "This device" and ends another one', async () => {
    const calls: Call[] = [];
    const { client } = testClient((call) => {
      calls.push(call);
      if (call.method === 'GET')
        return { status: 200, body: { items: [device('2', 'Phone', false), device('1', 'Firefox', true)] } };
      return { status: 200, body: { ok: true } };
    });
    render(
      <Providers client={client} me={meAnn}>
        <DevicesSection />
      </Providers>,
    );
    const list = await screen.findByRole('list', { name: 'Signed-in devices' });
    const rows = within(list).getAllByRole('listitem');
    expect(rows.map((r) => r.querySelector('strong')?.textContent)).toEqual(['Phone', 'Firefox']);
    expect(within(rows[1]!).getByText('This device')).toBeTruthy();
    expect(within(rows[1]!).queryByRole('button')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'End Phone' }));
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(1));
    expect(calls.at(-1)).toMatchObject({ method: 'DELETE', path: '/api/v1/me/sessions/2' });
  });
});
