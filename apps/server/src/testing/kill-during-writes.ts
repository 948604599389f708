import { randomUUID } from 'node:crypto';
import type { WriteRecord } from '@graminsta/loadgen';

export interface KillDuringWritesOptions {
  /** Where the writes go: the process that will be killed, not a balancer in front of it. */
  url: string;
  photoId: string;
  tokens: string[];
  kill: () => void;
  writers?: number;
  /** The kill comes once this many comments were acknowledged… */
  acknowledgedBeforeKill?: number;
  /** …at a response after which at least this many others still await theirs. */
  inFlightAtKill?: number;
}

export interface KillDuringWritesResult {
  /** Every comment sent, as the write audit reads them (body `load <key>`). */
  writes: WriteRecord[];
  /** Sent before the kill and never answered: they were in flight when the process died. */
  cutOff: number;
  killed: boolean;
}

/**
 * Concurrent writers comment on one photo until the process dies. The kill is sent from inside
 * the loop, at a response, once enough writes were acknowledged while others are outstanding, so
 * writes are in flight at the kill by construction, and `cutOff` shows that they were.
 */
export async function commentUntilKilled(opts: KillDuringWritesOptions): Promise<KillDuringWritesResult> {
  const { writers = 8, acknowledgedBeforeKill = 30, inFlightAtKill = 5 } = opts;
  const writes: WriteRecord[] = [];
  let outstanding = 0;
  let acknowledged = 0;
  let cutOff = 0;
  let killed = false;
  const writer = async (w: number) => {
    const token = opts.tokens[w % opts.tokens.length]!;
    for (let i = 0; i < 2_000 && !killed; i++) {
      const key = randomUUID();
      const path = `/api/v1/photos/${opts.photoId}/comments`;
      const startedBeforeKill = !killed;
      outstanding++;
      let status: number | null = null;
      let error: string | null = null;
      let createdId: string | null = null;
      try {
        const res = await fetch(`${opts.url}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
            'idempotency-key': key,
          },
          body: JSON.stringify({ body: `load ${key}` }),
        });
        status = res.status;
        const text = await res.text();
        if (status === 201) createdId = (JSON.parse(text) as { id: string }).id;
      } catch (err) {
        error = (err as Error).message;
        if (startedBeforeKill) cutOff++;
      }
      outstanding--;
      const ok = status === 201;
      writes.push({
        endpoint: 'comment',
        method: 'POST',
        path,
        user: `writer ${w}`,
        idempotencyKey: key,
        photoId: opts.photoId,
        body: { body: `load ${key}` },
        attempts: [{ status, error, servedBy: null, ms: 0 }],
        status,
        ok,
        createdId,
      });
      if (ok) acknowledged++;
      if (!killed && acknowledged >= acknowledgedBeforeKill && outstanding >= inFlightAtKill) {
        killed = true;
        opts.kill();
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  return { writes, cutOff, killed };
}
