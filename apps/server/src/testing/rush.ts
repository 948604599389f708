import { Agent, request } from 'node:http';

export interface RushResult {
  /** Answers by status (0: the request failed without one). */
  statuses: Map<number, number>;
  /** The distinct bodies of 2xx answers, each with its count. */
  bodies: Map<string, number>;
}

/**
 * `total` GETs of `path` sent all at once, spread round-robin over `bases` (`http://host:port`),
 * each on a connection of its own (no keep-alive, no socket limit): a crowd arriving together, as
 * at a cold celebrity key. Every answer is read whole; a request that fails counts as status 0.
 * Bounded: each request gives up after `timeoutMs`.
 */
export async function rush(
  bases: readonly string[],
  path: string,
  total: number,
  opts: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RushResult> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const statuses = new Map<number, number>();
  const bodies = new Map<string, number>();
  const one = (base: string) =>
    new Promise<void>((resolve) => {
      let settled = false;
      const done = (status: number, body?: string) => {
        if (settled) return;
        settled = true;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (body !== undefined && status >= 200 && status < 300)
          bodies.set(body, (bodies.get(body) ?? 0) + 1);
        resolve();
      };
      const req = request(new URL(path, base), {
        agent,
        headers: opts.headers,
        timeout: opts.timeoutMs ?? 60_000,
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', () => done(0));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', () => done(0));
        res.on('end', () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
      });
      req.end();
    });
  try {
    await Promise.all(Array.from({ length: total }, (_, i) => one(bases[i % bases.length]!)));
  } finally {
    agent.destroy();
  }
  return { statuses, bodies };
}
