import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { fastifyCookie } from '@fastify/cookie';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { AccountService, EventService, Presence } from '@graminsta/core';
import { SESSION_COOKIE } from '../http/session-cookie.ts';
import { clientAddress, type TrustProxy } from '../net/client-address.ts';
import { DEFAULT_SOCKET_LIMITS, SocketCounter, type SocketLimits } from './socket-limits.ts';
import { SocketSession } from './socket-session.ts';

export interface GatewayOptions {
  accounts: AccountService;
  events: EventService;
  logger: Logger;
  /** How often the server pings; a client that misses a ping round is dropped. */
  pingIntervalMs?: number;
  /** Page origins allowed to use the session cookie on /ws (see http/origins.ts). */
  trustedOrigin: (origin: string, host: string | undefined) => boolean;
  /** Which hops may name the client's address (compileTrust(config.TRUSTED_PROXIES)). */
  trustProxy?: TrustProxy;
  /** How long a connection may stay unauthenticated. */
  authTimeoutMs?: number;
  limits?: Partial<SocketLimits>;
  /** Marks the users of open authenticated sockets online (for `post.new`). */
  presence?: Presence;
  /** Each live event sent: seconds from its making to the send (the delivery histogram). */
  onDelivered?: (seconds: number) => void;
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
  private readonly limits: SocketLimits;
  private readonly addressSockets: SocketCounter;
  private readonly accountSockets: SocketCounter;
  private authed = 0;
  /** One pong listener for every socket (`ws` calls it with the socket as `this`). */
  private readonly markAlive: (this: WebSocket) => void;
  private readonly onAuthenticated = (up: boolean) => {
    this.authed += up ? 1 : -1;
  };

  constructor(private readonly opts: GatewayOptions) {
    this.limits = { ...DEFAULT_SOCKET_LIMITS, ...opts.limits };
    const alive = this.alive;
    this.markAlive = function (this: WebSocket) {
      alive.add(this);
    };
    this.addressSockets = new SocketCounter(this.limits.perAddress);
    this.accountSockets = new SocketCounter(this.limits.perAccount);
    // Only emitted by a server that listens itself; handled anyway, since an unheard 'error' kills.
    this.wss.on('error', (err) => opts.logger.error({ err }, 'websocket server error'));
    this.pinger = setInterval(() => this.pingAll(), opts.pingIntervalMs ?? 30_000);
    this.pinger.unref();
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Node hands the raw socket over without an error listener; a reset would kill the process.
      socket.on('error', (err) => this.opts.logger.debug({ err }, 'upgrade socket error'));
      try {
        this.onUpgrade(req, socket, head);
      } catch (err) {
        this.opts.logger.error({ err, url: req.url }, 'upgrade failed');
        socket.destroy();
      }
    });
  }

  get connections(): number {
    return this.wss.clients.size;
  }

  /** Open sockets, signed in or not yet (the connections gauge). */
  counts(): { authenticated: number; unauthenticated: number } {
    return { authenticated: this.authed, unauthenticated: Math.max(0, this.wss.clients.size - this.authed) };
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const ws of this.wss.clients) ws.close(1001, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/ws') return void socket.destroy();
    const address = clientAddress(req, this.opts.trustProxy ?? (() => false));
    // Counted from the upgrade, so unauthenticated sockets are bounded too.
    const release = this.addressSockets.acquire(address);
    if (!release) return refuseUpgrade(socket, 429, 'Too Many Requests');
    socket.once('close', release);
    const logger = this.opts.logger.child({ address });
    // The cookie is checked before the handshake, so no auth message can race it.
    let upgraded = false;
    void this.cookieUser(req)
      .then((cookieUser) => {
        if (socket.destroyed) return;
        this.wss.handleUpgrade(req, socket, head, (ws) => {
          upgraded = true;
          this.serve(ws, logger, cookieUser, req.url);
        });
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'upgrade failed');
        if (upgraded) socket.destroy();
        else refuseUpgrade(socket, 503, 'Service Unavailable');
      });
  }

  private serve(ws: WebSocket, logger: Logger, cookieUser: string | null, url: string | undefined): void {
    this.alive.add(ws);
    ws.on('pong', this.markAlive);
    const session = new SocketSession(ws, {
      accounts: this.opts.accounts,
      events: this.opts.events,
      logger,
      limits: this.limits,
      accountSockets: this.accountSockets,
      authTimeoutMs: this.opts.authTimeoutMs ?? 10_000,
      presence: this.opts.presence,
      onDelivered: this.opts.onDelivered,
      onAuthenticated: this.onAuthenticated,
    });
    if (cookieUser) session.startAs(cookieUser, lastEventIdFrom(url));
  }

  /**
   * A browser holding the session cookie is signed in at the upgrade, but only from a trusted
   * page: another site's page would otherwise ride on the cookie.
   */
  private async cookieUser(req: IncomingMessage): Promise<string | null> {
    const origin = req.headers.origin;
    const header = req.headers.cookie;
    if (!header || origin === undefined || !this.opts.trustedOrigin(origin, req.headers.host)) return null;
    // The `cookie` parser leaves a value with a broken %-escape as it is instead of throwing.
    const token = fastifyCookie.parse(header)[SESSION_COOKIE];
    return token ? this.opts.accounts.authenticate(token) : null;
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
}

/** Answers an upgrade with a plain HTTP status before any handshake. */
function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  if (socket.destroyed) return;
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** The cookie-authenticated browser names its last event in the query (an id, not a secret). */
function lastEventIdFrom(url: string | undefined): string | undefined {
  const value = new URL(url ?? '/', 'http://x').searchParams.get('lastEventId');
  return value && /^[0-9]{1,20}$/.test(value) ? value : undefined;
}
