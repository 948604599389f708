import type { RawData, WebSocket } from 'ws';
import type { Logger } from 'pino';
import {
  ClientMessage,
  WS_CLOSE_POLICY,
  WS_CLOSE_TOO_MANY_SOCKETS,
  WS_CLOSE_UNAUTHENTICATED,
  type ServerMessage,
  type UserEvent,
} from '@graminsta/contracts';
import type { AccountService, EventService, Presence } from '@graminsta/core';
import type { Unsubscribe } from '@graminsta/platform';
import { TokenBucket, type SocketCounter, type SocketLimits } from './socket-limits.ts';

export interface SessionDeps {
  accounts: AccountService;
  events: EventService;
  logger: Logger;
  limits: SocketLimits;
  accountSockets: SocketCounter;
  authTimeoutMs: number;
  /** Marked online while this socket is open and authenticated. */
  presence?: Presence;
  /** A live event was sent: seconds since it was made (its id carries the time). */
  onDelivered?: (seconds: number) => void;
  /** This socket became authenticated (true) or an authenticated one closed (false). */
  onAuthenticated?: (up: boolean) => void;
}

/** The epoch of the ids' millisecond field (graminsta_next_id: 41 bits of ms, then 23 of shard and sequence). */
const ID_EPOCH_MS = 1767225600000;

/** When an event was made, from its id (the database's clock, which every process shares). */
export function eventTimeMs(id: string): number {
  return Number(BigInt(id) >> 23n) + ID_EPOCH_MS;
}

/**
 * One /ws connection: at most one authentication, then at most one subscription, gone at close.
 * Nothing here throws into `ws`'s emitters, and every async step ends in `run`'s catch.
 */
export class SocketSession {
  /** waiting → authenticating → authed; a refused token closes the socket instead. */
  private state: 'waiting' | 'authenticating' | 'authed' = 'waiting';
  private unsubscribe: Unsubscribe | null = null;
  private releaseAccount: (() => void) | null = null;
  private releasePresence: (() => void) | null = null;
  private readonly bucket: TokenBucket;
  private readonly authTimer: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: SessionDeps,
  ) {
    this.bucket = new TokenBucket(deps.limits.messageBurst, deps.limits.messagesPerSecond);
    // Oversized frames and broken UTF-8 arrive here; `ws` closes the socket itself (1009, 1007).
    ws.on('error', (err) => deps.logger.debug({ err }, 'socket error'));
    ws.on('close', () => this.end());
    ws.on('message', (raw, isBinary) => this.onMessage(raw, isBinary));
    // Protocol pings cost a pong each, so they draw on the same bucket as messages.
    ws.on('ping', () => this.bucket.take() || this.close(WS_CLOSE_POLICY, 'too many messages'));
    this.authTimer = setTimeout(() => {
      if (this.state !== 'authed') this.close(WS_CLOSE_UNAUTHENTICATED, 'authenticate first');
    }, deps.authTimeoutMs);
  }

  /** Signed in by the session cookie at the upgrade: that is this socket's one auth. */
  startAs(userId: string, lastEventId: string | undefined): void {
    this.state = 'authenticating';
    this.run(() => this.begin(userId, lastEventId), userId);
  }

  private get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  private onMessage(raw: RawData, isBinary: boolean): void {
    if (!this.bucket.take()) return this.close(WS_CLOSE_POLICY, 'too many messages');
    const parsed = isBinary ? null : parseMessage(raw);
    if (!parsed) return this.send({ type: 'error', code: 'bad_request', message: 'invalid message' });
    if (parsed.type === 'ping') return this.send({ type: 'pong' });
    // One auth per socket: a second one, while the first is in flight or after it, is refused.
    if (this.state !== 'waiting') {
      return this.send({ type: 'error', code: 'already_authenticated', message: 'one auth per socket' });
    }
    this.state = 'authenticating';
    this.run(async () => {
      const userId = await this.deps.accounts.authenticate(parsed.token);
      if (!userId) return this.close(WS_CLOSE_UNAUTHENTICATED, 'invalid token');
      return this.begin(userId, parsed.lastEventId);
    });
  }

  private async begin(userId: string, lastEventId: string | undefined): Promise<void> {
    this.state = 'authed';
    clearTimeout(this.authTimer);
    if (!this.open) return;
    this.releaseAccount = this.deps.accountSockets.acquire(userId);
    if (!this.releaseAccount)
      return this.close(WS_CLOSE_TOO_MANY_SOCKETS, 'too many sockets for this account');
    this.releasePresence = this.deps.presence?.hold(userId) ?? null;
    this.deps.onAuthenticated?.(true);
    await this.stream(userId, lastEventId);
  }

  /** Replays what the client missed, then live events, without gaps or repeats. */
  private async stream(userId: string, lastEventId: string | undefined): Promise<void> {
    let lastSent = lastEventId ? BigInt(lastEventId) : -1n;
    let backlog: { event: UserEvent; frame?: string }[] | null = [];
    const deliver = (event: UserEvent, live: boolean, frame?: string) => {
      if (BigInt(event.id) <= lastSent) return;
      lastSent = BigInt(event.id);
      // A fan-out event comes with its frame text already built (once per event, not per user).
      if (frame === undefined) this.send(event);
      else this.sendText(frame);
      if (live) this.deps.onDelivered?.(Math.max(0, Date.now() - eventTimeMs(event.id)) / 1000);
    };
    // Subscribe first, buffer live events, then replay: nothing falls between the two.
    this.unsubscribe = await this.deps.events.subscribe(userId, (event, frame) => {
      if (backlog) backlog.push({ event, frame });
      else deliver(event, true, frame);
    });
    // Closed while subscribing: `end` has already run and found nothing to drop.
    if (!this.open) return this.dropSubscription();
    this.send({ type: 'ready' });
    const missed = lastEventId ? await this.deps.events.since(userId, lastEventId) : [];
    for (const event of missed) deliver(event, false);
    const buffered = backlog;
    backlog = null;
    buffered.sort((a, b) => (BigInt(a.event.id) < BigInt(b.event.id) ? -1 : 1));
    for (const { event, frame } of buffered) deliver(event, true, frame);
  }

  private send(msg: ServerMessage): void {
    if (!this.open) return;
    this.sendText(JSON.stringify(msg));
  }

  private sendText(text: string): void {
    if (!this.open) return;
    // A client that stops reading would otherwise grow this process's memory without bound.
    if (this.ws.bufferedAmount > this.deps.limits.maxBufferedBytes) return void this.ws.terminate();
    this.ws.send(text);
  }

  private close(code: number, reason: string): void {
    if (this.open) this.ws.close(code, reason);
  }

  /** Runs one async step of this socket; a failure is logged and ends this socket only. */
  private run(task: () => Promise<void>, userId?: string): void {
    task().catch((err: unknown) => {
      this.deps.logger.error({ err, userId }, 'realtime socket failed');
      this.close(1011, 'internal error');
    });
  }

  private end(): void {
    clearTimeout(this.authTimer);
    if (this.releasePresence) {
      this.releasePresence();
      this.releasePresence = null;
      this.deps.onAuthenticated?.(false);
    }
    this.releaseAccount?.();
    this.dropSubscription();
  }

  private dropSubscription(): void {
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    unsubscribe?.().catch((err: unknown) => this.deps.logger.warn({ err }, 'unsubscribe failed'));
  }
}

function parseMessage(raw: RawData): ClientMessage | null {
  try {
    const result = ClientMessage.safeParse(JSON.parse(String(raw)));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}
