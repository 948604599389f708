/**
 * CPU time per class of process (api, nginx, postgres, the load driver…) over a measured run, read
 * from /proc: on a shared 2-core machine this is what says where the cores went. Linux only; on
 * another system the snapshots are empty and the report says so.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

interface ProcStat {
  ppid: number;
  comm: string;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

export interface CpuSnapshot {
  at: number;
  procs: Map<number, ProcStat>;
  /** Busy ticks of the whole machine (every core), from the first line of /proc/stat. */
  machineBusy: number;
}

/** Cores used on average per class over the interval (1.0 = one core busy the whole time). */
export type CpuUsage = Record<string, number>;

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process exited between the listing and the read
  }
}

function readProc(pid: number): ProcStat | null {
  const text = readText(`/proc/${pid}/stat`);
  if (!text) return null;
  // The command name is in parentheses and may hold spaces: the fields after the last ')' are fixed.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const fields = text.slice(close + 2).split(' ');
  return { ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) };
}

export function cpuSnapshot(): CpuSnapshot {
  const procs = new Map<number, ProcStat>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    // not Linux
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProc(Number(name));
    if (stat) procs.set(Number(name), stat);
  }
  const cpuLine = readText('/proc/stat')?.split('\n')[0] ?? '';
  const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpuLine
    .trim()
    .split(/\s+/)
    .map(Number);
  return { at: performance.now(), procs, machineBusy: user + nice + system + irq + softirq + steal };
}

export interface Classifier {
  /** Processes named by pid (and everything they started), nearest named ancestor wins. */
  roots: Map<number, string>;
  /** Class of PostgreSQL backends whose title names this database, and of the server's own helpers. */
  postgres?: { database: string; label: string };
}

const POSTGRES_HELPER =
  /postgres: .*(checkpointer|background writer|walwriter|autovacuum|logical replication)|bin\/postgres /;

function classify(pid: number, snap: CpuSnapshot, c: Classifier): string | null {
  const stat = snap.procs.get(pid);
  if (c.postgres && stat?.comm === 'postgres') {
    const cmdline = (readText(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ');
    if (cmdline.includes(` ${c.postgres.database} `) || POSTGRES_HELPER.test(cmdline))
      return c.postgres.label;
    return null; // another database's backend: someone else's work
  }
  for (let p: number | undefined = pid, hops = 0; p && p > 1 && hops < 64; hops++) {
    const named = c.roots.get(p);
    if (named) return named;
    p = snap.procs.get(p)?.ppid;
  }
  return null;
}

/**
 * CPU seconds per class between two snapshots, plus `other` (the rest of the machine: someone
 * else's work) and `machine` (all of it). A process that exited in between is not counted.
 */
export function cpuSecondsBetween(before: CpuSnapshot, after: CpuSnapshot, c: Classifier): CpuUsage {
  const hz = clockTicks();
  const ticks: Record<string, number> = {};
  let ours = 0;
  for (const [pid, stat] of after.procs) {
    const label = classify(pid, after, c);
    if (!label) continue;
    const start = before.procs.get(pid);
    // A pid seen before with another name is a reused pid: count it from zero.
    const used = stat.ticks - (start && start.comm === stat.comm ? start.ticks : 0);
    ticks[label] = (ticks[label] ?? 0) + used;
    ours += used;
  }
  const machine = after.machineBusy - before.machineBusy;
  const seconds: CpuUsage = {};
  for (const [label, t] of Object.entries(ticks)) seconds[label] = t / hz;
  seconds.other = Math.max(0, machine - ours) / hz;
  seconds.machine = machine / hz;
  return seconds;
}

/** Cores used per class between two snapshots (1.0 = one core busy the whole time), as cpuSecondsBetween. */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, c: Classifier): CpuUsage {
  const elapsed = Math.max(after.at - before.at, 1) / 1000;
  const usage: CpuUsage = {};
  for (const [label, s] of Object.entries(cpuSecondsBetween(before, after, c)))
    usage[label] = Math.round((s / elapsed) * 100) / 100;
  return usage;
}

/** Runs `work` and returns its result with the cores each class used meanwhile. */
export async function withCpu<T>(
  classifier: () => Classifier,
  work: () => Promise<T>,
): Promise<{ result: T; cpu: CpuUsage }> {
  const before = cpuSnapshot();
  const result = await work();
  const after = cpuSnapshot();
  return { result, cpu: cpuBetween(before, after, classifier()) };
}
