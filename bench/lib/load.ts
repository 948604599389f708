import autocannon from 'autocannon';
import { percentile } from '@graminsta/loadgen';

export const SCENARIOS = ['profile', 'feed', 'like'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** What the scenarios need from the seeded data and the logged-in users. */
export interface LoadContext {
  celebrity: string;
  /** Bearer tokens of users who follow the celebrity and a few others. */
  tokens: string[];
  /** Photo ids in a shuffled order, for likes that really insert. */
  photoIds: string[];
}

export interface Measurement {
  reqPerSec: number;
  p50: number;
  p95: number;
  p99: number;
  requests: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  statusCodes: Record<string, number>;
}

type Request = autocannon.Request;

/** The request autocannon sends for a scenario; rotating ones rebuild each request in setupRequest. */
export function scenarioRequest(name: ScenarioName, ctx: LoadContext): Request {
  const auth = (i: number) => ({ authorization: `Bearer ${ctx.tokens[i % ctx.tokens.length]!}` });
  switch (name) {
    case 'profile':
      // Anonymous visitors: the celebrity rush of the brief.
      return { method: 'GET', path: `/api/v1/users/${ctx.celebrity}` };
    case 'feed': {
      let i = 0;
      return {
        method: 'GET',
        path: '/api/v1/feed',
        setupRequest: (req) => ({ ...req, headers: { ...auth(i++) } }),
      };
    }
    case 'like': {
      let i = 0;
      // Each token walks the whole photo list, so a pair (user, photo) repeats only after tokens × photos likes.
      return {
        method: 'PUT',
        path: '/api/v1/photos/0/like',
        setupRequest: (req) => {
          const n = i++;
          const photo = ctx.photoIds[Math.floor(n / ctx.tokens.length) % ctx.photoIds.length]!;
          return { ...req, path: `/api/v1/photos/${photo}/like`, headers: { ...auth(n) } };
        },
      };
    }
  }
}

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
}

/**
 * One autocannon run against `url` with `request` repeated for the whole duration. Latencies are
 * kept here as floats from autocannon's 'response' events: its own histogram holds whole
 * milliseconds, too coarse for a hello world that answers in a fraction of one.
 */
export async function measure(url: string, request: Request, opts: LoadOptions): Promise<Measurement> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url, connections: opts.connections, duration: opts.durationSeconds, requests: [request] },
      (err: unknown, res: autocannon.Result) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  latencies.sort((a, b) => a - b);
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = stat.count ?? 0;
  return {
    reqPerSec: result.requests.average,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    requests: result['2xx'] + result.non2xx,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes,
  };
}

/** One request by hand before the load: a scenario answering 404 would otherwise be measured. */
export async function checkOnce(url: string, request: Request): Promise<void> {
  const built =
    request.setupRequest && typeof request.setupRequest === 'function'
      ? request.setupRequest({ ...request }, {})
      : request;
  const res = await fetch(new URL(built.path ?? '/', url), {
    method: built.method ?? 'GET',
    headers: (built.headers as Record<string, string> | undefined) ?? {},
  });
  if (!res.ok)
    throw new Error(`${built.method ?? 'GET'} ${built.path} answered ${res.status}: ${await res.text()}`);
}
