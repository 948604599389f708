import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort } from '@graminsta/topology';

export interface StartTiming {
  /** Seconds from spawn to the first 200 from /readyz. */
  readySeconds: number;
  /** CPU seconds (user + system) the spawned process had used by then; null off Linux. */
  cpuSeconds: number | null;
}

export interface StartOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

// A readiness wait, not a measurement bound: generous, for a machine busy with other work.
const GIVE_UP_MS = 300_000;
const POLL_MS = 20;
const CLOCK_TICKS = 100;

/** Spawns a server with PORT set, polls /readyz until it answers 200, records the time, stops it. */
export async function timeStart(opts: StartOptions): Promise<StartTiming> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: { ...opts.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
    // Its own process group: `npm start` runs the server as a grandchild, stopped with the group.
    detached: true,
  });
  let errors = '';
  child.stderr.on('data', (d: Buffer) => (errors = (errors + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    while (performance.now() - started < GIVE_UP_MS) {
      if (child.exitCode !== null)
        throw new Error(`${opts.args.join(' ')} exited ${child.exitCode}:\n${errors}`);
      if (await ready(port)) {
        const readySeconds = (performance.now() - started) / 1000;
        return { readySeconds, cpuSeconds: cpuSecondsOf(child.pid) };
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    throw new Error(`${opts.args.join(' ')} not ready after ${GIVE_UP_MS / 1000} s:\n${errors}`);
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
    // The next run may open the same data folder: wait until nothing listens on the port.
    while (await ready(port)) await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function ready(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

// Fields 14 and 15 of /proc/<pid>/stat are user and system time in clock ticks (100 a second).
function cpuSecondsOf(pid: number | undefined): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
