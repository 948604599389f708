import pg from 'pg';
import { isReplicaRead } from './classify.ts';
import { currentReadScope, primaryRequired } from './context.ts';

/** Where a read went, and why: the labels of graminsta_db_reads_total. */
export type ReadTarget = 'primary' | 'replica';
export type ReadReason =
  /** served by a replica */
  | 'replica'
  /** the reader's own write is not replayed yet on any replica */
  | 'own_write'
  /** every replica is behind the lag cut-off */
  | 'lagging'
  /** no replica answers its poll */
  | 'down'
  /** inside a transaction (pool.connect) */
  | 'transaction'
  /** a replica failed the read; the primary answered it */
  | 'fallback'
  /** a read whose answer is kept (cache loader) or must be fresh (session lookup) */
  | 'pinned'
  /** in a request that may write (not GET/HEAD/OPTIONS): its checks must see the latest rows */
  | 'write'
  /** outside a request (jobs, startup): jobs act on rows just written */
  | 'background';

export interface ReplicaState {
  index: number;
  up: boolean;
  /** Seconds behind the primary (time since the primary was at the replica's replay position). */
  lagSeconds: number;
  replayPosition: bigint;
}

export interface ReplicaRouterOptions {
  replicaUrls: readonly string[];
  maxLagMs: number;
  pollMs?: number;
  poolSize: number;
  /** Sets up each replica pool as the primary's is (query timing). */
  instrument?: (pool: pg.Pool) => void;
  onRead?: (target: ReadTarget, reason: ReadReason) => void;
}

interface Replica {
  index: number;
  pool: pg.Pool;
  up: boolean;
  replay: bigint;
  lagMs: number;
}

/** '16/B374D848' → its 64-bit position. */
export function parseLsn(text: string): bigint {
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

/**
 * How long a replica at `replay` is behind, from the primary's position samples (oldest first):
 * 0 when caught up; else the time since the first sample past its position (since then the
 * primary has been ahead of it); Infinity when the samples do not reach back that far.
 */
export function replicaLagMs(
  history: ReadonlyArray<{ at: number; lsn: bigint }>,
  replay: bigint,
  primaryLsn: bigint,
  now: number,
): number {
  if (replay >= primaryLsn) return 0;
  const ahead = history.find((s) => s.lsn > replay);
  return ahead ? now - ahead.at : Infinity;
}

// A replica failing in one of these classes is itself unwell (connection, shutdown, resources,
// read-only conflicts); other errors (bad input, a missing row) would fail on the primary too.
const REPLICA_FAULT = /^(08|25|40|53|55|57|58|XX)/;

/**
 * A pg.Pool to the primary that sends plain reads to replicas. Drizzle's node-postgres driver
 * runs every statement outside a transaction as `pool.query(…)` and a transaction on
 * `pool.connect()`, so routing here sees every query, named prepared statements included.
 */
export class ReplicaRoutingPool extends pg.Pool {
  private readonly replicas: Replica[];
  private readonly history: Array<{ at: number; lsn: bigint }> = [];
  private readonly pollMs: number;
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private polling: Promise<void> | undefined;

  constructor(
    primary: pg.PoolConfig,
    private readonly opts: ReplicaRouterOptions,
  ) {
    super(primary);
    this.pollMs = opts.pollMs ?? 500;
    this.replicas = opts.replicaUrls.map((url, index) => {
      const pool = new pg.Pool({
        connectionString: url,
        max: opts.poolSize,
        connectionTimeoutMillis: 2_000,
        // A replica that stops answering must not hold a request for long: it is skipped.
        query_timeout: 10_000,
      });
      pool.on('error', () => {
        // An idle replica connection died: the poll notices and the pool replaces it.
      });
      opts.instrument?.(pool);
      return { index, pool, up: false, replay: 0n, lagMs: Infinity };
    });
  }

  /** Polls once now, then every pollMs until end(). */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => {
      this.polling ??= this.poll().finally(() => (this.polling = undefined));
    }, this.pollMs);
    this.timer.unref();
  }

  state(): ReplicaState[] {
    return this.replicas.map((r) => ({
      index: r.index,
      up: r.up,
      lagSeconds: Number.isFinite(r.lagMs) ? r.lagMs / 1000 : -1,
      replayPosition: r.replay,
    }));
  }

  /** Each replica pool's clients (for the metrics; never its URL, which may hold a password). */
  replicaConnections(): Array<{ pool: string; total: number; idle: number; waiting: number }> {
    return this.replicas.map((r) => ({
      pool: `replica_${r.index}`,
      total: r.pool.totalCount,
      idle: r.pool.idleCount,
      waiting: r.pool.waitingCount,
    }));
  }

  /** Polls the primary's position and every replica's replay position (one round). */
  async poll(): Promise<void> {
    let primaryLsn: bigint | undefined;
    try {
      const { rows } = await super.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
      primaryLsn = parseLsn(rows[0]!.lsn);
    } catch {
      // The primary is unreachable: no replica can be judged fresh this round.
    }
    const now = Date.now();
    if (primaryLsn !== undefined) this.remember(now, primaryLsn);
    await Promise.all(
      this.replicas.map(async (r) => {
        try {
          const { rows } = await r.pool.query<{ lsn: string | null; standby: boolean }>(
            'select pg_last_wal_replay_lsn()::text as lsn, pg_is_in_recovery() as standby',
          );
          const row = rows[0]!;
          // Not a standby (promoted, or misconfigured): its data may diverge; not used.
          if (!row.standby || !row.lsn || primaryLsn === undefined) throw new Error('not a usable standby');
          r.replay = parseLsn(row.lsn);
          r.lagMs = this.lagOf(r.replay, primaryLsn, now);
          r.up = true;
        } catch {
          r.up = false;
          r.lagMs = Infinity;
        }
      }),
    );
  }

  private remember(at: number, lsn: bigint): void {
    const last = this.history.at(-1);
    if (!last || last.lsn !== lsn) this.history.push({ at, lsn });
    // Samples older than the cut-off (and a margin) can only say "too far behind".
    const keepFrom = at - this.opts.maxLagMs - 10_000;
    while (this.history.length > 2 && this.history[1]!.at < keepFrom) this.history.shift();
    if (this.history.length > 10_000) this.history.shift();
  }

  private lagOf(replay: bigint, primaryLsn: bigint, now: number): number {
    return replicaLagMs(this.history, replay, primaryLsn, now);
  }

  /** A replica that can serve a reader needing `required` (round-robin), or why none can. */
  private pick(required: bigint | null): Replica | ReadReason {
    const n = this.replicas.length;
    let reason: ReadReason = 'down';
    for (let k = 0; k < n; k++) {
      const r = this.replicas[(this.next + k) % n]!;
      if (!r.up) continue;
      if (r.lagMs > this.opts.maxLagMs) {
        reason = 'lagging';
        continue;
      }
      if (required !== null && r.replay < required) {
        if (reason !== 'lagging') reason = 'own_write';
        continue;
      }
      this.next = (this.next + k + 1) % n;
      return r;
    }
    return reason;
  }

  private count(target: ReadTarget, reason: ReadReason): void {
    this.opts.onRead?.(target, reason);
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(
    callback: (
      err: Error | undefined,
      client: pg.PoolClient | undefined,
      done: (release?: unknown) => void,
    ) => void,
  ): void;
  override connect(...args: unknown[]): unknown {
    const scope = currentReadScope();
    // pg-pool's own query() takes a client with a callback: only a caller's connect() is a transaction.
    if (scope && args.length === 0) {
      // A transaction in a request: on the primary, and assumed to write.
      scope.wrote = true;
      this.count('primary', 'transaction');
    }
    return (super.connect as (...a: unknown[]) => unknown).apply(this, args);
  }

  // pg's overloads are many; every form is accepted and a promise-style read is routed.
  override query(...args: unknown[]): never {
    return this.route(args) as never;
  }

  private route(args: unknown[]): unknown {
    const viaPrimary = () => (super.query as (...a: unknown[]) => unknown).apply(this, args);
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: unknown } | null)?.text;
    const callback =
      typeof args.at(-1) === 'function' || typeof (first as { submit?: unknown })?.submit === 'function';
    const scope = currentReadScope();
    if (typeof text !== 'string' || callback || !isReplicaRead(text)) {
      if (scope) scope.wrote = true;
      return viaPrimary();
    }
    if (!scope) {
      this.count('primary', 'background');
      return viaPrimary();
    }
    if (primaryRequired() || scope.primaryOnly) {
      this.count('primary', primaryRequired() ? 'pinned' : 'write');
      scope.served.primary++;
      return viaPrimary();
    }
    return this.read(scope, args, viaPrimary);
  }

  private async read(
    scope: NonNullable<ReturnType<typeof currentReadScope>>,
    args: unknown[],
    viaPrimary: () => unknown,
  ): Promise<unknown> {
    const required = await scope.requiredPosition();
    const picked = this.pick(required);
    if (typeof picked === 'string') {
      this.count('primary', picked);
      scope.served.primary++;
      return viaPrimary();
    }
    try {
      const result = await (picked.pool.query as (...a: unknown[]) => Promise<unknown>).apply(
        picked.pool,
        args,
      );
      this.count('replica', 'replica');
      scope.served.replica++;
      return result;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // Reads are idempotent: any failure is retried once on the primary. A replica at fault is
      // skipped until its next good poll.
      if (typeof code !== 'string' || REPLICA_FAULT.test(code)) picked.up = false;
      this.count('primary', 'fallback');
      scope.served.primary++;
      return viaPrimary();
    }
  }

  /** The primary's WAL position now (after the caller's commits). */
  async currentPosition(): Promise<bigint> {
    const { rows } = await super.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
    return parseLsn(rows[0]!.lsn);
  }

  override async end(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.polling;
    await Promise.allSettled(this.replicas.map((r) => r.pool.end()));
    await super.end();
  }
}
