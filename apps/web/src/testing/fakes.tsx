import type { ReactNode } from 'react';
import { waitFor } from '@testing-library/react';
import type { Me } from '@graminsta/contracts';
import { ann } from '@graminsta/sdk/testing/fixtures';
import { GraminstaClient, type XhrConstructor } from '@graminsta/sdk';
import { RouterProvider } from '../lib/router.tsx';
import { RealtimeProvider } from '../session/realtime.tsx';
import { SessionProvider } from '../session/session.tsx';

export { ann, bob, events, notification, photo } from '@graminsta/sdk/testing/fixtures';

export const meAnn: Me = {
  ...ann,
  bio: '',
  followerCount: 0,
  followingCount: 1,
  photoCount: 0,
  followedByMe: false,
  private: false,
  requestedByMe: false,
  blockedByMe: false,
  mutedByMe: false,
  email: null,
  emailVerified: false,
  role: 'user',
  createdAt: '2026-01-01T00:00:00Z',
};

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Answer = { status: number; body?: unknown };
export type Handler = (call: Call) => Answer | Promise<Answer>;

/** A fetch that hands every API call to `handler` and records it. */
export function fakeApi(handler: Handler) {
  const calls: Call[] = [];
  const fetch = async (input: string, init?: RequestInit): Promise<Response> => {
    const url = new URL(input, 'http://api.test');
    const call: Call = {
      method: init?.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const answer = await handler(call);
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
    });
  };
  return { fetch, calls };
}

export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

import { FakeSocket } from '@graminsta/sdk/testing/fake-socket';

export { FakeSocket };

/** IntersectionObserver the test fires by hand (happy-dom does no layout). */
export class FakeIntersectionObserver {
  static all: FakeIntersectionObserver[] = [];
  targets: Element[] = [];
  disconnected = false;
  constructor(private readonly callback: IntersectionObserverCallback) {
    FakeIntersectionObserver.all.push(this);
  }
  observe(el: Element) {
    this.targets.push(el);
  }
  unobserve() {}
  disconnect() {
    this.disconnected = true;
  }
  takeRecords() {
    return [];
  }
  /**
   * Waits until a live observer watches something. The list observes its end in an effect that
   * runs after the page shows, so a test that scrolls must wait for it first.
   */
  static async watching() {
    await waitFor(() => {
      if (!FakeIntersectionObserver.all.some((o) => !o.disconnected && o.targets.length > 0)) {
        throw new Error('nothing is being observed yet');
      }
    });
  }
  /** Scrolls every live observer's targets into view. */
  static scrollIntoView() {
    for (const io of FakeIntersectionObserver.all.filter((o) => !o.disconnected)) {
      const entries = io.targets.map(
        (target) => ({ target, isIntersecting: true }) as IntersectionObserverEntry,
      );
      io.callback(entries, io as unknown as IntersectionObserver);
    }
  }
}

/** A client as the browser builds it: no bearer token, the session cookie alone. */
export function testClient(handler: Handler, opts: { XMLHttpRequest?: XhrConstructor } = {}) {
  const api = fakeApi(handler);
  const client = new GraminstaClient({ baseUrl: 'http://api.test', fetch: api.fetch, ...opts });
  return { client, calls: api.calls };
}

/** The app's providers around `ui`, signed in as `me` (or signed out with null). */
export function Providers(props: { client: GraminstaClient; me: Me | null; children: ReactNode }) {
  return (
    <RouterProvider>
      <SessionProvider client={props.client} initialMe={props.me}>
        <RealtimeProvider WebSocket={FakeSocket}>{props.children}</RealtimeProvider>
      </SessionProvider>
    </RouterProvider>
  );
}
