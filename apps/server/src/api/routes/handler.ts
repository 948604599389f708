import type { z } from 'zod';
import type { Auth, EndpointName, EndpointRequest, Endpoints } from '@graminsta/contracts';
import type { Services } from '@graminsta/core';

/** What the auth hook has established by the time a handler runs, by the endpoint's `auth`. */
type Known<A extends Auth> = { required: string; optional: string | null; none: null }[A];

/** The session cookie, for the endpoints that start and end sessions. */
export interface SessionCookie {
  set(token: string): void;
  clear(): void;
}

/** Everything a handler of endpoint N may use: its validated input, the caller, the services. */
export interface Call<N extends EndpointName> extends EndpointRequest<N> {
  /** The signed-in caller: always there on a 'required' endpoint, never looked at on 'none'. */
  userId: Known<Endpoints[N]['auth']>;
  /** The token the caller signed in with (log-out ends that session). */
  sessionToken: Known<Endpoints[N]['auth']>;
  /** The client address (X-Forwarded-For believed only from TRUSTED_PROXIES). */
  ip: string;
  /** The User-Agent header ('' when absent): names the session a sign-in starts. */
  userAgent: string;
  services: Services;
  cookie: SessionCookie;
}

/** The success answer, in the form the response schema parses before it is sent. */
export type Answer<N extends EndpointName> = z.input<Endpoints[N]['response']>;

export type Handler<N extends EndpointName> = (call: Call<N>) => Promise<Answer<N>>;

/** One handler per endpoint of the table: a missing one, or a wrong answer, is a type error. */
export type Handlers = { [N in EndpointName]: Handler<N> };
