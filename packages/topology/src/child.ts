import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Sends `signal`, then SIGKILL if the process has not exited after `graceMs`. */
export async function stopProcess(
  proc: ChildProcess,
  exited: Promise<unknown>,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 30_000,
): Promise<void> {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface ChildOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** A stdout line that says the child is ready; its first group is kept as `announced`. */
  readyLine: RegExp;
  /** Look for the ready line on stderr too (programs that log there, like Prometheus). */
  readyOnStderr?: boolean;
  /** Generous by default: a readiness wait on a machine busy with other work, not a timing check. */
  timeoutMs?: number;
}

export interface Child {
  name: string;
  /** What the ready line captured (a server's own URL), or the whole line. */
  announced: string;
  process: ChildProcess;
  /** The exit code, null when a signal ended it. */
  exited: Promise<number | null>;
  /** What it printed on stdout and stderr (the last MiB), for assertions and error messages. */
  output(): string;
  /** `signal` (SIGTERM by default), then SIGKILL after the grace period; resolves with the exit code. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

const OUTPUT_LIMIT = 1024 * 1024;

// Every child still running, so an interrupted run can stop them all.
const running = new Set<Child>();

export async function stopAllChildren(): Promise<void> {
  await Promise.allSettled([...running].map((c) => c.stop()));
}

/** Spawns a process and resolves once it prints its ready line; rejects (and kills it) if it never does. */
export function startChild(opts: ChildOptions): Promise<Child> {
  const proc = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const remember = (line: string) => {
    out += `${line}\n`;
    if (out.length > OUTPUT_LIMIT) out = out.slice(-OUTPUT_LIMIT);
  };
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => resolve(code));
    // A command that could not be spawned never exits.
    proc.once('error', () => proc.pid === undefined && resolve(null));
  });
  const child: Child = {
    name: opts.name,
    announced: '',
    process: proc,
    exited,
    output: () => out,
    async stop(signal = 'SIGTERM', graceMs = 30_000) {
      await stopProcess(proc, exited, signal, graceMs);
      return exited;
    },
  };
  running.add(child);
  void exited.then(() => running.delete(child));

  return new Promise<Child>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      // A child that missed its start is stopped, or it would hold its port if it started later;
      // gently first, so a supervisor among them stops its own children too.
      void child
        .stop()
        .then(() => reject(new Error(`${opts.name} did not start: ${why}\n--- its output ---\n${out}`)));
    };
    const timer = setTimeout(() => fail('timed out'), opts.timeoutMs ?? 300_000);
    // Both streams are read to the end: a full pipe would block the child.
    const watch = (line: string) => {
      remember(line);
      const match = opts.readyLine.exec(line);
      if (match && !child.announced) {
        child.announced = match[1] ?? line;
        clearTimeout(timer);
        resolve(child);
      }
    };
    createInterface({ input: proc.stderr! }).on('line', opts.readyOnStderr ? watch : remember);
    createInterface({ input: proc.stdout! }).on('line', watch);
    proc.once('error', (err) => fail(err.message));
    proc.once('exit', (code, signal) => {
      if (!child.announced) fail(`exited with ${signal ?? `code ${code}`}`);
    });
  });
}
