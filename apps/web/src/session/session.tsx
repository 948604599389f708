import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Me, SessionResponse } from '@graminsta/contracts';
import { ApiError, GraminstaClient } from '@graminsta/sdk';
import { apiBaseUrl } from '../config.ts';

const TOKEN_KEY = 'graminsta.token';

interface SessionValue {
  client: GraminstaClient;
  /** undefined while the session is being checked, null when signed out. */
  me: Me | null | undefined;
  signedIn(session: SessionResponse): void;
  logOut(): Promise<void>;
  setMe(me: Me): void;
}

const SessionContext = createContext<SessionValue | null>(null);

// Storage can be unavailable (private windows, blocked cookies): the cookie still signs us in.
const storage = {
  get: () => {
    try {
      return window.localStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  },
  set: (token: string | null) => {
    try {
      if (token) window.localStorage.setItem(TOKEN_KEY, token);
      else window.localStorage.removeItem(TOKEN_KEY);
    } catch {
      // nothing to keep it in; memory only
    }
  },
};

export function createBrowserClient(): GraminstaClient {
  return new GraminstaClient({ baseUrl: apiBaseUrl(), token: storage.get(), credentials: 'include' });
}

/**
 * Who is signed in. The token from log-in lives in memory and localStorage; the API's
 * HttpOnly cookie also works, so a page with no stored token still asks GET /me.
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
    client.getMe().then(
      (user) => live && setMe(user),
      (err: unknown) => {
        if (!live) return;
        if (err instanceof ApiError && err.status === 401) {
          client.setToken(null);
          storage.set(null);
        }
        setMe(null);
      },
    );
    return () => {
      live = false;
    };
  }, [client, props.initialMe]);

  const signedIn = useCallback(
    (session: SessionResponse) => {
      client.setToken(session.token);
      storage.set(session.token);
      setMe(session.user);
    },
    [client],
  );

  const logOut = useCallback(async () => {
    try {
      await client.logOut();
    } catch {
      // Already gone on the server; forget it here all the same.
    }
    client.setToken(null);
    storage.set(null);
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
