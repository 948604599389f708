import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

export interface Child {
  name: string;
  /** What the ready line captured (the server's own URL). */
  announced: string;
  process: ChildProcess;
  /** The last lines it printed, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited in time. */
  stop(): Promise<void>;
}

export interface ChildOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** A line on stdout that says the child is ready; its first group is kept as `announced`. */
  readyLine: RegExp;
  timeoutMs?: number;
}

// Every child still running, so an interrupted run can stop them all.
const running = new Set<Child>();

export async function stopAllChildren(): Promise<void> {
  await Promise.allSettled([...running].map((c) => c.stop()));
}

/** A free loopback port: the OS picks one, and it is released for the child to take. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function startChild(opts: ChildOptions): Promise<Child> {
  const proc = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
  };
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let exitedAlready = false;
  void exited.then(() => (exitedAlready = true));

  const child: Child = {
    name: opts.name,
    announced: '',
    process: proc,
    output: () => tail.join('\n'),
    async stop() {
      running.delete(child);
      if (exitedAlready) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(child);

  return new Promise<Child>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      void child.stop();
      reject(new Error(`${opts.name} did not start: ${why}\n--- its last output ---\n${child.output()}`));
    };
    const timer = setTimeout(() => fail('timed out'), opts.timeoutMs ?? 180_000);
    // Both streams are read to the end: a full pipe would block the child mid-benchmark.
    createInterface({ input: proc.stderr! }).on('line', remember);
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      remember(line);
      const match = opts.readyLine.exec(line);
      if (match && !child.announced) {
        child.announced = match[1] ?? line;
        clearTimeout(timer);
        resolve(child);
      }
    });
    proc.once('error', (err) => fail(err.message));
    proc.once('exit', (code, signal) => {
      if (!child.announced) fail(`exited with ${signal ?? `code ${code}`}`);
    });
  });
}
