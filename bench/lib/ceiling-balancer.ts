/**
 * The stage-4 ceiling: N bare Fastify hello worlds (bench/ceiling.ts) behind nginx, configured by
 * the same renderBalancer as the real API balancer, so the only difference from stage 4 is what
 * the instances do per request. Also a plain GET loop on fetch, the client the load driver uses.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderBalancer } from '../../apps/server/src/supervisor/nginx.ts';
import { CEILING_PATH, startCeiling } from '../ceiling.ts';
import { freePort, type Child } from './child.ts';
import { percentile } from './percentile.ts';

export interface CeilingBalancer {
  url: string;
  /** Root pids for CPU accounting: the hello worlds and the nginx master. */
  pids: { helloWorlds: number[]; nginx: number | null };
  stop(): Promise<void>;
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.text();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startCeilingBalancer(instances: number): Promise<CeilingBalancer> {
  const worlds: Child[] = [];
  const prefix = await mkdtemp(join(tmpdir(), 'graminsta-ceiling-'));
  let nginx: ReturnType<typeof spawn> | null = null;
  const stop = async () => {
    if (nginx && nginx.exitCode === null) {
      const proc = nginx;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGQUIT');
      await exited;
    }
    await Promise.allSettled(worlds.map((w) => w.stop()));
    await rm(prefix, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < instances; i++) worlds.push(await startCeiling(await freePort()));
    const port = await freePort();
    await mkdir(prefix, { recursive: true });
    const conf = renderBalancer({
      prefix,
      listenHost: '127.0.0.1',
      listenPort: port,
      upstreams: worlds.map((w) => new URL(w.announced).host),
    });
    await writeFile(join(prefix, 'nginx.conf'), conf);
    nginx = spawn(
      process.env.NGINX_BIN ?? '/usr/sbin/nginx',
      ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
      { stdio: 'ignore' },
    );
    const url = `http://127.0.0.1:${port}`;
    await waitFor(`${url}${CEILING_PATH}`, 15_000);
    return {
      url,
      pids: { helloWorlds: worlds.map((w) => w.process.pid ?? 0), nginx: nginx.pid ?? null },
      stop,
    };
  } catch (err) {
    await stop();
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
