import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Me, SessionResponse } from '@graminsta/contracts';
import { GraminstaClient } from '@graminsta/sdk';
import { apiBaseUrl } from '../config.ts';

// Where earlier builds kept the bearer token; removed on load so no script can read it.
const LEGACY_TOKEN_KEY = 'graminsta.token';

interface SessionValue {
  client: GraminstaClient;
  /** undefined while the session is being checked, null when signed out. */
  me: Me | null | undefined;
  signedIn(session: SessionResponse): void;
  logOut(): Promise<void>;
  setMe(me: Me): void;
}

const SessionContext = createContext<SessionValue | null>(null);

function forgetLegacyToken(): void {
  try {
    window.localStorage.removeItem(LEGACY_TOKEN_KEY);
  } catch {
    // storage blocked: nothing was kept there either
  }
}

/**
 * The browser signs in by the API's HttpOnly cookie alone: no bearer token, so a script
 * injected into the page finds no credential to steal.
 */
export function createBrowserClient(): GraminstaClient {
  forgetLegacyToken();
  return new GraminstaClient({ baseUrl: apiBaseUrl(), credentials: 'include' });
}

/**
 * Who is signed in, by GET /session with the session cookie: a signed-out visitor gets a 200
 * with no user (not a 401 the browser would log as an error). The token in a sign-in answer
 * is dropped: the cookie set by the same answer is the page's only credential.
 */
export function SessionProvider(props: {
  client?: GraminstaClient;
  initialMe?: Me | null;
  children: ReactNode;
}) {
  const [client] = useState(() => props.client ?? createBrowserClient());
  const [me, setMe] = useState<Me | null | undefined>(props.initialMe);

  useEffect(() => {
    if (props.initialMe !== undefined) return;
    let live = true;
    const probe = () =>
      client.getSession().then(
        ({ user }) => {
          if (live) setMe(user);
          window.removeEventListener('online', probe);
        },
        // The API unreachable (offline): nobody is signed in for now, and we ask again once the
        // device is back online, so an app opened offline does not stay signed out.
        () => {
          if (live) setMe(null);
          window.addEventListener('online', probe);
        },
      );
    void probe();
    return () => {
      live = false;
      window.removeEventListener('online', probe);
    };
  }, [client, props.initialMe]);

  const signedIn = useCallback((session: SessionResponse) => setMe(session.user), []);

  const logOut = useCallback(async () => {
    try {
      await client.logOut();
    } catch {
      // Already gone on the server; forget it here all the same.
    }
    setMe(null);
  }, [client]);

  const value = useMemo(() => ({ client, me, signedIn, logOut, setMe }), [client, me, signedIn, logOut]);
  return <SessionContext value={value}>{props.children}</SessionContext>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

export const useClient = () => useSession().client;
