// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { act, cleanup, render, waitFor } from '@testing-library/react';
import { GraminstaClient } from '@graminsta/sdk';
import { meAnn } from '../testing/fakes.tsx';
import { SessionProvider, createBrowserClient, useSession } from './session.tsx';

beforeEach(() => window.localStorage.clear());
afterEach(cleanup);

describe('the browser session', () => {
  it('keeps no bearer token and removes one an earlier build stored', () => {
    window.localStorage.setItem('graminsta.token', 'old-token');
    const client = createBrowserClient();
    expect(client.token).toBeNull();
    expect(window.localStorage.getItem('graminsta.token')).toBeNull();
  });

  it('after signing in, sends later calls with the cookie only, never the token it was given', async () => {
    const sent: { authorization: string | null; credentials: RequestCredentials | undefined }[] = [];
    const client = new GraminstaClient({
      baseUrl: 'http://api.test',
      credentials: 'include',
      fetch: async (_input: string, init?: RequestInit) => {
        sent.push({
          authorization: new Headers(init?.headers).get('authorization'),
          credentials: init?.credentials,
        });
        return new Response(JSON.stringify(meAnn), { status: 200 });
      },
    });
    let session: ReturnType<typeof useSession> | undefined;
    function Probe() {
      session = useSession();
      return null;
    }
    render(
      <SessionProvider client={client} initialMe={null}>
        <Probe />
      </SessionProvider>,
    );
    act(() => session!.signedIn({ user: meAnn, token: 'secret-token' }));
    expect(session!.me).toEqual(meAnn);
    await client.getMe();
    expect(sent).toEqual([{ authorization: null, credentials: 'include' }]);
    expect(client.token).toBeNull();
    expect(JSON.stringify(window.localStorage)).not.toContain('secret-token');
  });

  it.each([
    ['a signed-in visitor', { user: meAnn }, meAnn],
    ['a signed-out visitor', { user: null }, null],
  ])(
    'asks GET /session at start and knows %s, with no request that answers 401',
    async (_who, answer, me) => {
      const asked: string[] = [];
      const client = new GraminstaClient({
        baseUrl: 'http://api.test',
        credentials: 'include',
        fetch: async (input: string) => {
          asked.push(input);
          return new Response(JSON.stringify(answer), {
            status: 200,
            headers: { 'content-type': 'application/json' },
          });
        },
      });
      let session: ReturnType<typeof useSession> | undefined;
      function Probe() {
        session = useSession();
        return null;
      }
      render(
        <SessionProvider client={client}>
          <Probe />
        </SessionProvider>,
      );
      expect(session!.me).toBeUndefined();
      await waitFor(() => expect(session!.me).toEqual(me));
      expect(asked).toEqual(['http://api.test/api/v1/session']);
    },
  );

  it('when the API cannot be reached, starts signed out and asks again once the device is online', async () => {
    let reachable = false;
    const client = new GraminstaClient({
      baseUrl: 'http://api.test',
      credentials: 'include',
      fetch: async () => {
        if (!reachable) throw new TypeError('Failed to fetch');
        return new Response(JSON.stringify({ user: meAnn }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      },
    });
    let session: ReturnType<typeof useSession> | undefined;
    function Probe() {
      session = useSession();
      return null;
    }
    render(
      <SessionProvider client={client}>
        <Probe />
      </SessionProvider>,
    );
    await waitFor(() => expect(session!.me).toBeNull());
    reachable = true;
    act(() => void window.dispatchEvent(new Event('online')));
    await waitFor(() => expect(session!.me).toEqual(meAnn));
  });
});
