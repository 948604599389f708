import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import {
  ClientMessage,
  WS_CLOSE_UNAUTHENTICATED,
  type ServerMessage,
  type UserEvent,
} from '@graminsta/contracts';
import type { AccountService, EventService } from '@graminsta/core';
import type { Unsubscribe } from '@graminsta/platform';
import { SESSION_COOKIE } from '../api/auth.ts';

export interface GatewayOptions {
  accounts: AccountService;
  events: EventService;
  logger: Logger;
  /** How often the server pings; a client that misses a ping round is dropped. */
  pingIntervalMs?: number;
  /** Page origins allowed to use the session cookie on /ws (see api/origins.ts). */
  trustedOrigin: (origin: string, host: string | undefined) => boolean;
  /** How long a connection may stay unauthenticated. */
  authTimeoutMs?: number;
}

const MAX_MESSAGE_BYTES = 4096;

/**
 * The realtime role: /ws sockets, each bound to one signed-in user and fed from the
 * pub/sub port, so an event raised on any instance reaches the socket wherever it is.
 */
export class RealtimeGateway {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly alive = new WeakSet<WebSocket>();
  private readonly pinger: NodeJS.Timeout;

  constructor(private readonly opts: GatewayOptions) {
    this.pinger = setInterval(() => this.pingAll(), opts.pingIntervalMs ?? 30_000);
    this.pinger.unref();
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/ws') {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => void this.onConnection(ws, req));
    });
  }

  get connections(): number {
    return this.wss.clients.size;
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const ws of this.wss.clients) ws.close(1001, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private pingAll(): void {
    for (const ws of this.wss.clients) {
      if (!this.alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.alive.delete(ws);
      ws.ping();
    }
  }

  private async onConnection(ws: WebSocket, req: IncomingMessage): Promise<void> {
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    let unsubscribe: Unsubscribe | null = null;
    let authed = false;
    ws.on('close', () => void unsubscribe?.());
    const send = (msg: ServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    };
    const timer = setTimeout(() => {
      if (!authed) ws.close(WS_CLOSE_UNAUTHENTICATED, 'authenticate first');
    }, this.opts.authTimeoutMs ?? 10_000);

    const start = async (userId: string, lastEventId: string | undefined) => {
      authed = true;
      clearTimeout(timer);
      unsubscribe = await this.stream(userId, lastEventId, send);
      if (ws.readyState !== ws.OPEN) await unsubscribe();
    };

    ws.on('message', (raw) => {
      void (async () => {
        const parsed = parseMessage(raw.toString());
        if (!parsed) return send({ type: 'error', code: 'bad_request', message: 'invalid message' });
        if (parsed.type === 'ping') return send({ type: 'pong' });
        if (authed) return; // one auth per socket; later ones are ignored
        if (parsed.type === 'auth') {
          const userId = await this.opts.accounts.authenticate(parsed.token);
          if (!userId) return ws.close(WS_CLOSE_UNAUTHENTICATED, 'invalid token');
          return start(userId, parsed.lastEventId);
        }
        return undefined;
      })().catch((err: unknown) => {
        this.opts.logger.error({ err }, 'realtime message failed');
        ws.close(1011, 'internal error');
      });
    });
    // A browser holding the session cookie is signed in at the upgrade; it names its last
    // event in the query string (an id, not a secret).
    // Only from a trusted page: another site's page would otherwise ride on the cookie.
    const origin = req.headers.origin;
    const cookieAllowed = origin !== undefined && this.opts.trustedOrigin(origin, req.headers.host);
    const cookieToken = cookieAllowed ? readCookie(req.headers.cookie, SESSION_COOKIE) : null;
    const cookieUser = cookieToken ? await this.opts.accounts.authenticate(cookieToken) : null;
    if (cookieUser && !authed) await start(cookieUser, lastEventIdFrom(req.url));
  }

  /** Replays what the client missed, then live events, without gaps or repeats. */
  private async stream(
    userId: string,
    lastEventId: string | undefined,
    send: (msg: ServerMessage) => void,
  ): Promise<Unsubscribe> {
    let lastSent = lastEventId ? BigInt(lastEventId) : -1n;
    let backlog: UserEvent[] | null = [];
    const deliver = (event: UserEvent) => {
      if (BigInt(event.id) <= lastSent) return;
      lastSent = BigInt(event.id);
      send(event);
    };
    // Subscribe first, buffer live events, then replay: nothing falls between the two.
    const unsubscribe = await this.opts.events.subscribe(userId, (event) => {
      if (backlog) backlog.push(event);
      else deliver(event);
    });
    send({ type: 'ready' });
    const missed = lastEventId ? await this.opts.events.since(userId, lastEventId) : [];
    for (const event of missed) deliver(event);
    const buffered = backlog;
    backlog = null;
    for (const event of buffered.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))) deliver(event);
    return unsubscribe;
  }
}

function parseMessage(text: string): ClientMessage | null {
  try {
    const result = ClientMessage.safeParse(JSON.parse(text));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

function lastEventIdFrom(url: string | undefined): string | undefined {
  const value = new URL(url ?? '/', 'http://x').searchParams.get('lastEventId');
  return value && /^[0-9]{1,20}$/.test(value) ? value : undefined;
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}
