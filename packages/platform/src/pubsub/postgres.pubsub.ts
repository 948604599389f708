import pg from 'pg';
import type { Json, PubSub, Unsubscribe } from '../ports.ts';
import { deliverSafely } from './memory.pubsub.ts';

export interface PostgresPubSubOptions {
  url: string;
  /** Publishes through this pool when given; otherwise through a small pool of its own. */
  pool?: pg.Pool;
  /** The one PostgreSQL channel that carries every logical channel. */
  pgChannel?: string;
  /** Shown in pg_stat_activity for the listening connection. */
  applicationName?: string;
  onError?: (err: unknown) => void;
}

type Handler = (message: Json) => void;

/** NOTIFY payloads must stay under 8000 bytes; the envelope needs a little room. */
export const MAX_NOTIFY_BYTES = 7900;
const MAX_RECONNECT_DELAY_MS = 5000;

/**
 * Pub/sub over PostgreSQL LISTEN/NOTIFY (stages 2–5): one dedicated listening connection per
 * process carries `{channel, message}` on one PostgreSQL channel, dispatched here by channel.
 * If the connection drops it reconnects and listens again; messages sent meanwhile are missed.
 */
export class PostgresPubSub implements PubSub {
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly pgChannel: string;
  readonly maxMessageBytes = MAX_NOTIFY_BYTES;
  private pool: pg.Pool | null;
  private client: pg.Client | null = null;
  private listening: Promise<void> | null = null;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: PostgresPubSubOptions) {
    this.pgChannel = opts.pgChannel ?? 'graminsta';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.pgChannel))
      throw new Error(`invalid PostgreSQL channel name: ${this.pgChannel}`);
    this.pool = opts.pool ?? null;
  }

  async publish(channel: string, message: Json): Promise<void> {
    if (this.closed) throw new Error('pubsub is closed');
    const payload = JSON.stringify({ channel, message });
    const bytes = Buffer.byteLength(payload);
    if (bytes > MAX_NOTIFY_BYTES) {
      throw new Error(
        `pub/sub message on "${channel}" is ${bytes} bytes; PostgreSQL NOTIFY carries at most ${MAX_NOTIFY_BYTES}`,
      );
    }
    await this.publisher().query('select pg_notify($1, $2)', [this.pgChannel, payload]);
  }

  async subscribe(channel: string, handler: Handler): Promise<Unsubscribe> {
    if (this.closed) throw new Error('pubsub is closed');
    const entry: Handler = (message) => handler(message);
    let set = this.handlers.get(channel);
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(entry);
    const unsubscribe = async () => {
      const current = this.handlers.get(channel);
      current?.delete(entry);
      if (current?.size === 0) this.handlers.delete(channel);
    };
    try {
      await this.listen();
    } catch (err) {
      await unsubscribe();
      throw err;
    }
    return unsubscribe;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.handlers.clear();
    await this.listening?.catch(() => {});
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
    if (!this.opts.pool) await this.pool?.end();
  }

  private publisher(): pg.Pool {
    if (!this.pool) {
      this.pool = new pg.Pool({ connectionString: this.opts.url, max: 2 });
      this.pool.on('error', (err) => this.opts.onError?.(err));
    }
    return this.pool;
  }

  /** Connects and listens once; concurrent callers share the attempt, a failed attempt can be retried. */
  private listen(): Promise<void> {
    this.listening ??= this.connect().catch((err: unknown) => {
      this.listening = null;
      throw err;
    });
    return this.listening;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.opts.url,
      application_name: this.opts.applicationName ?? 'graminsta-pubsub',
    });
    client.on('notification', (n) => {
      if (n.channel === this.pgChannel && n.payload) this.dispatch(n.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('pub/sub connection ended')));
    try {
      await client.connect();
      await client.query(`listen "${this.pgChannel}"`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.closed || client !== this.client) return;
    this.client = null;
    this.listening = null;
    this.opts.onError?.(err);
    this.reconnect(100);
  }

  private reconnect(delayMs: number): void {
    clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      if (this.closed) return;
      this.listen().catch((err: unknown) => {
        this.opts.onError?.(err);
        this.reconnect(Math.min(delayMs * 2, MAX_RECONNECT_DELAY_MS));
      });
    }, delayMs);
  }

  private dispatch(payload: string): void {
    let envelope: { channel?: unknown; message?: Json };
    try {
      envelope = JSON.parse(payload) as typeof envelope;
    } catch (err) {
      return this.opts.onError?.(err);
    }
    const set = typeof envelope.channel === 'string' ? this.handlers.get(envelope.channel) : undefined;
    if (!set) return;
    const message = envelope.message ?? null;
    // Each handler gets its own copy, as with the in-process bus.
    for (const handler of [...set])
      deliverSafely(handler, structuredClone(message), (err) => this.opts.onError?.(err));
  }
}
