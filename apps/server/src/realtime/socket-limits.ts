/** Bounds on /ws: how many sockets one account or address may hold, and how fast one may talk. */
export interface SocketLimits {
  /** Open sockets per signed-in account; the next one is closed with 4429 once authenticated. */
  perAccount: number;
  /** Open sockets per client address, authenticated or not; the next upgrade gets HTTP 429. */
  perAddress: number;
  /** Messages a socket may send at once… */
  messageBurst: number;
  /** …and per second after that; a socket that goes faster is closed with 1008. */
  messagesPerSecond: number;
  /** Bytes queued for a client that does not read; past this it is dropped. */
  maxBufferedBytes: number;
}

export const DEFAULT_SOCKET_LIMITS: SocketLimits = {
  perAccount: 20,
  perAddress: 50,
  messageBurst: 20,
  messagesPerSecond: 5,
  maxBufferedBytes: 1 << 20,
};

/**
 * Live sockets per key (account id or client address). Counted in this process only: a socket
 * lives in exactly one process, so an instance bounds what it holds without asking the others.
 */
export class SocketCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Takes a place for `key`, or returns null when it already holds `max`. Release exactly once. */
  acquire(key: string): (() => void) | null {
    const held = this.counts.get(key) ?? 0;
    if (held >= this.max) return null;
    this.counts.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left > 0) this.counts.set(key, left);
      else this.counts.delete(key);
    };
  }

  held(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}

/** One clock function for every bucket (a default arrow would be one more closure per socket). */
const monotonicNow = () => performance.now();

/**
 * A token bucket for one socket. Hand-written rather than rate-limiter-flexible: its state
 * lives and dies with the socket, and the check is synchronous on every frame, with no keys.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = monotonicNow,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
