import { execFileSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';

/** One line of /proc/<pid>/stat, the fields the doctor reads. */
export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime + cutime + cstime, in seconds: its own CPU and that of children it has reaped. */
  cpuSeconds: number;
}

let ticks: number | null = null;

/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux we run on). */
function clockTicks(): number {
  if (ticks === null) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** Parses /proc/<pid>/stat; null for text that is not one. The name may hold spaces and ')'. */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  // After the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
  const f = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const times = [f[11], f[12], f[13], f[14]].map(Number);
  const ppid = Number(f[1]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || times.some((t) => !Number.isFinite(t)))
    return null;
  const hz = clockTicks();
  return { pid, comm: text.slice(open + 1, close), ppid, cpuSeconds: times.reduce((a, b) => a + b, 0) / hz };
}

/** A process's stat, or null when it is gone (or not readable). */
export async function procStat(pid: number): Promise<ProcStat | null> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Every process's stat on the machine (processes that end while being read are skipped). */
export async function allProcStats(): Promise<ProcStat[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
  const stats = await Promise.all(pids.map(procStat));
  return stats.filter((s): s is ProcStat => s !== null);
}

/**
 * CPU seconds of a process tree (a PostgreSQL postmaster and its backends); with `root` null,
 * of every process named `comm` (the machine's PostgreSQL). Reaped children count in their
 * parent's cutime, so a backend that ends inside the window is not lost.
 */
export function treeCpuSeconds(
  stats: readonly ProcStat[],
  root: number | null,
  comm = 'postgres',
): number | null {
  if (root === null) {
    const named = stats.filter((s) => s.comm === comm);
    return named.length === 0 ? null : named.reduce((a, s) => a + s.cpuSeconds, 0);
  }
  const top = stats.find((s) => s.pid === root);
  if (!top) return null;
  return stats.filter((s) => s.ppid === root).reduce((a, s) => a + s.cpuSeconds, top.cpuSeconds);
}
