// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { Me } from '@graminsta/contracts';
import { Providers, meAnn, testClient, type Call } from '../../testing/fakes.tsx';
import { useSession } from '../../session/session.tsx';
import { PrivacySection } from './privacy-section.tsx';

afterEach(cleanup);

/** The section as the settings page mounts it: with the session's current account. */
function Mounted() {
  const { me } = useSession();
  return me ? <PrivacySection me={me} /> : null;
}

describe('PrivacySection', () => {
  it('turns the account private and back, sending the switch to PATCH /me', async () => {
    let current: Me = meAnn;
    const { client, calls } = testClient((call: Call) => {
      if (call.path === '/api/v1/me' && call.method === 'PATCH') {
        current = { ...current, ...(call.body as Partial<Me>) };
        return { status: 200, body: current };
      }
      return { status: 200, body: { items: [], nextCursor: null, unreadCount: 0 } };
    });
    render(
      <Providers client={client} me={meAnn}>
        <Mounted />
      </Providers>,
    );
    const toggle = screen.getByRole('switch', { name: 'Private account' }) as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    fireEvent.click(toggle);
    await waitFor(() => expect(toggle.checked).toBe(true));
    expect(screen.getByText(/Turning this off accepts every pending request/)).toBeTruthy();
    fireEvent.click(toggle);
    await waitFor(() => expect(toggle.checked).toBe(false));
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([
      { private: true },
      { private: false },
    ]);
    expect(screen.getByRole('link', { name: 'Follow requests' }).getAttribute('href')).toBe('/requests');
  });
});
