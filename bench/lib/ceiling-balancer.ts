/**
 * The stage-4 ceiling: N bare Fastify hello worlds (bench/ceiling.ts) behind nginx, configured by
 * the same renderBalancer as the real API balancer, so the only difference from stage 4 is what
 * the instances do per request. Also a plain GET loop on fetch, the client the load driver uses.
 */
import { freePort, renderBalancer, startNginx, type Child } from '@graminsta/topology';
import { percentile } from '@graminsta/loadgen';
import { CEILING_PATH, startCeiling } from '../ceiling.ts';

export interface CeilingBalancer {
  url: string;
  /** Root pids for CPU accounting: the hello worlds and the nginx master. */
  pids: { helloWorlds: number[]; nginx: number | null };
  stop(): Promise<void>;
}

export async function startCeilingBalancer(instances: number): Promise<CeilingBalancer> {
  const worlds: Child[] = [];
  const stopWorlds = async () => void (await Promise.allSettled(worlds.map((w) => w.stop())));
  try {
    for (let i = 0; i < instances; i++) worlds.push(await startCeiling(await freePort()));
    const port = await freePort();
    const conf = renderBalancer({
      listenHost: '127.0.0.1',
      listenPort: port,
      upstreams: worlds.map((w) => new URL(w.announced).host),
    });
    const url = `http://127.0.0.1:${port}`;
    const nginx = await startNginx(conf, `${url}${CEILING_PATH}`);
    return {
      url,
      pids: { helloWorlds: worlds.map((w) => w.process.pid ?? 0), nginx: nginx.child.pid ?? null },
      stop: async () => {
        await nginx.stop();
        await stopWorlds();
      },
    };
  } catch (err) {
    await stopWorlds();
    throw err;
  }
}

export interface GetLoopResult {
  count: number;
  errors: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
}

/** `concurrency` loops each GET `url` one after another until the time is up, timed like the driver. */
export async function getLoop(url: string, concurrency: number, durationMs: number): Promise<GetLoopResult> {
  const latencies: number[] = [];
  let non2xx = 0;
  let noAnswer = 0;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const loop = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        await res.text();
        latencies.push(performance.now() - started);
        if (!res.ok) non2xx++;
      } catch {
        noAnswer++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const count = latencies.length + noAnswer;
  return {
    count,
    errors: non2xx + noAnswer,
    rps: count / seconds,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
  };
}
