import { UserEvent, WS_CLOSE_UNAUTHENTICATED } from '@graminsta/contracts';

/** The part of the WebSocket API the client uses (browsers' WebSocket and the `ws` package both fit). */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type RealtimeStatus = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'unauthenticated' | 'stopped';

export interface RealtimeOptions {
  /** `wss://host/ws` */
  url: string;
  /** Read at every (re)connect; none means the browser's session cookie authenticates the upgrade. */
  token?: string | null | (() => string | null);
  /** Resume after this event (events up to it were already seen). */
  lastEventId?: string | null;
  WebSocket?: WebSocketConstructor | typeof WebSocket;
  /** Reconnect delay: initialMs · factor^attempt, capped at maxMs, then jittered into [½, 1] of that. */
  backoff?: { initialMs?: number; maxMs?: number; factor?: number };
  /** Source of jitter; Math.random by default. */
  random?: () => number;
  /** The socket is dropped and reopened when nothing arrives for two of these; 0 turns it off. */
  heartbeatMs?: number;
}

interface Events {
  event: UserEvent;
  status: RealtimeStatus;
  reconnecting: { attempt: number; delayMs: number };
}
type Listener<K extends keyof Events> = (value: Events[K]) => void;

/**
 * A /ws connection that authenticates, resumes from the last event it saw, and reopens
 * itself with exponential backoff and jitter after the connection drops.
 */
export class RealtimeClient {
  private ws: WebSocketLike | null = null;
  private wanted = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private heard = true;
  private last: string | null;
  private current: RealtimeStatus = 'idle';
  private readonly listeners: { [K in keyof Events]: Set<Listener<K>> } = {
    event: new Set(),
    status: new Set(),
    reconnecting: new Set(),
  };

  constructor(private readonly opts: RealtimeOptions) {
    this.last = opts.lastEventId ?? null;
  }

  get status(): RealtimeStatus {
    return this.current;
  }

  /** The id of the newest event received; sent on reconnect so nothing is missed or repeated. */
  get lastEventId(): string | null {
    return this.last;
  }

  on<K extends keyof Events>(type: K, listener: Listener<K>): () => void {
    this.listeners[type].add(listener);
    return () => this.listeners[type].delete(listener);
  }

  start(): void {
    if (this.wanted) return;
    this.wanted = true;
    this.attempt = 0;
    this.open();
  }

  stop(): void {
    this.wanted = false;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      detach(ws);
      ws.close(1000, 'client stopped');
    }
    this.setStatus('stopped');
  }

  /** Skips the wait (e.g. when the browser comes back online). */
  reconnectNow(): void {
    if (!this.wanted || this.current === 'ready' || this.current === 'connecting') return;
    this.clearTimers();
    this.open();
  }

  private open(): void {
    this.setStatus('connecting');
    const Ctor = (this.opts.WebSocket ?? globalThis.WebSocket) as WebSocketConstructor | undefined;
    if (!Ctor) throw new Error('no WebSocket implementation: pass one as the WebSocket option');
    // The query carries the resume point for cookie-authenticated upgrades (an id, not a secret).
    const url = this.last ? `${this.opts.url}?lastEventId=${encodeURIComponent(this.last)}` : this.opts.url;
    let ws: WebSocketLike;
    try {
      ws = new Ctor(url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      const token = typeof this.opts.token === 'function' ? this.opts.token() : this.opts.token;
      if (token)
        ws.send(JSON.stringify({ type: 'auth', token, ...(this.last ? { lastEventId: this.last } : {}) }));
    };
    ws.onmessage = (event) => this.onMessage(String(event.data));
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearTimers();
      if (!this.wanted) return this.setStatus('stopped');
      if (event.code === WS_CLOSE_UNAUTHENTICATED) {
        // Retrying a refused token cannot succeed; the caller signs in again and restarts.
        this.wanted = false;
        return this.setStatus('unauthenticated');
      }
      this.scheduleReconnect();
    };
    ws.onerror = () => undefined; // a close event always follows
  }

  private onMessage(text: string): void {
    this.heard = true;
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if ((msg as { type?: unknown } | null)?.type === 'ready') {
      this.attempt = 0;
      this.startHeartbeat();
      this.setStatus('ready');
      return;
    }
    // Checked against the contract, so listeners narrow by `type` and trust `data`; an event
    // this client does not know (a newer server's) is skipped.
    const parsed = UserEvent.safeParse(msg);
    if (!parsed.success) return;
    const event = parsed.data;
    if (this.last !== null && BigInt(event.id) <= BigInt(this.last)) return; // seen before a reconnect
    this.last = event.id;
    this.emit('event', event);
  }

  private scheduleReconnect(): void {
    const { initialMs = 500, maxMs = 30_000, factor = 2 } = this.opts.backoff ?? {};
    const ceiling = Math.min(maxMs, initialMs * factor ** this.attempt);
    const delayMs = Math.round(ceiling / 2 + (this.opts.random ?? Math.random)() * (ceiling / 2));
    this.attempt += 1;
    this.setStatus('reconnecting');
    this.emit('reconnecting', { attempt: this.attempt, delayMs });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.wanted) this.open();
    }, delayMs);
  }

  private startHeartbeat(): void {
    const every = this.opts.heartbeatMs ?? 25_000;
    if (every <= 0 || this.heartbeat) return;
    this.heard = true;
    this.heartbeat = setInterval(() => {
      const ws = this.ws;
      if (!ws) return;
      if (!this.heard) {
        // A silent network can take minutes to report a close; give up on the socket now.
        this.ws = null;
        detach(ws);
        ws.close(4000, 'heartbeat timeout');
        this.clearTimers();
        this.scheduleReconnect();
        return;
      }
      this.heard = false;
      ws.send(JSON.stringify({ type: 'ping' }));
    }, every);
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.retryTimer = null;
    this.heartbeat = null;
  }

  private setStatus(status: RealtimeStatus): void {
    if (status === this.current) return;
    this.current = status;
    this.emit('status', status);
  }

  private emit<K extends keyof Events>(type: K, value: Events[K]): void {
    for (const listener of this.listeners[type]) listener(value);
  }
}

function detach(ws: WebSocketLike): void {
  ws.onopen = ws.onmessage = ws.onerror = null;
  ws.onclose = null;
}
