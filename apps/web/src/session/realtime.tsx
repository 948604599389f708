import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import type { UserEvent } from '@graminsta/contracts';
import type { RealtimeClient, RealtimeStatus, WebSocketConstructor } from '@graminsta/sdk';
import { useSession } from './session.tsx';

type EventListener = (event: UserEvent) => void;

interface RealtimeValue {
  /** The signed-in user's socket (null when signed out), for the SDK's waitForPhoto. */
  socket: RealtimeClient | null;
  status: RealtimeStatus;
  unreadCount: number;
  setUnreadCount(count: number): void;
  subscribe(listener: EventListener): () => void;
}

const RealtimeContext = createContext<RealtimeValue | null>(null);

/** One /ws connection for the signed-in user: the unread badge and live events for any page. */
export function RealtimeProvider(props: { WebSocket?: WebSocketConstructor; children: ReactNode }) {
  const { client, me } = useSession();
  const [socket, setSocket] = useState<RealtimeClient | null>(null);
  const [status, setStatus] = useState<RealtimeStatus>('idle');
  const [unreadCount, setUnreadCount] = useState(0);
  const listeners = useRef(new Set<EventListener>());
  const userId = me?.id;
  const WebSocketCtor = props.WebSocket;

  useEffect(() => {
    if (!userId) {
      setUnreadCount(0);
      return;
    }
    let live = true;
    client.notifications({ query: { limit: 1 } }).then(
      (page) => live && setUnreadCount(page.unreadCount),
      () => undefined, // the badge just starts at zero
    );
    const socket = client.realtime(WebSocketCtor ? { WebSocket: WebSocketCtor } : {});
    const offStatus = socket.on('status', setStatus);
    const offEvent = socket.on('event', (event) => {
      if (event.type === 'notification') setUnreadCount((n) => n + 1);
      for (const listener of listeners.current) listener(event);
    });
    const online = () => socket.reconnectNow();
    window.addEventListener('online', online);
    socket.start();
    setSocket(socket);
    return () => {
      setSocket(null);
      live = false;
      window.removeEventListener('online', online);
      offStatus();
      offEvent();
      socket.stop();
    };
  }, [client, userId, WebSocketCtor]);

  const subscribe = useCallback((listener: EventListener) => {
    listeners.current.add(listener);
    return () => void listeners.current.delete(listener);
  }, []);
  const value = useMemo<RealtimeValue>(
    () => ({ socket, status, unreadCount, setUnreadCount, subscribe }),
    [socket, status, unreadCount, subscribe],
  );
  return <RealtimeContext value={value}>{props.children}</RealtimeContext>;
}

export function useRealtime(): RealtimeValue {
  const value = useContext(RealtimeContext);
  if (!value) throw new Error('useRealtime outside RealtimeProvider');
  return value;
}

/** Calls `onEvent` for every live event while the component is mounted. */
export function useRealtimeEvents(onEvent: EventListener): void {
  const { subscribe } = useRealtime();
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => subscribe((event) => handler.current(event)), [subscribe]);
}
