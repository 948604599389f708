import { spawn, type ChildProcess } from 'node:child_process';
import { stopProcess } from '@graminsta/topology';

export interface ChildSpec {
  name: string;
  /** Its roles, comma-separated, or `balancer`, `edge`, `object-store`, `redis`, `postgres`. */
  role: string;
  /** The stage topology's group (or balancer) it belongs to: its twins share it. */
  group: string;
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  port: number | null;
  /** What answers 2xx on `port` once it serves; `/readyz` when unset. */
  readyPath?: string;
  /** How readiness is asked: HTTP on `readyPath` (the default), a Redis PING, or a PostgreSQL query. */
  ready?: 'http' | 'redis' | 'postgres';
  /**
   * In a process group of its own, so a terminal's Ctrl-C (sent to the whole foreground group)
   * reaches only the supervisor, which stops it in its turn (Redis: after the instances using it).
   */
  ownGroup?: boolean;
  /** Restart it when it dies on its own (app instances); nginx is not restarted. */
  restart: boolean;
}

/** One supervised process: restarted with the same name and port when it dies unexpectedly. */
export class Supervised {
  child: ChildProcess | null = null;
  restarts = 0;
  private stopping = false;
  /** Set while restart() has stopped it on purpose: the exit handler must not start a second one. */
  private restarting = false;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly spec: ChildSpec,
    private readonly onChange: () => void,
    private readonly log: (line: string) => void,
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start(): void {
    const child = spawn(this.spec.command, this.spec.args, {
      env: this.spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.spec.ownGroup ?? false,
    });
    this.child = child;
    const prefix = `[${this.spec.name}] `;
    const forward = (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line.trim()) this.log(prefix + line);
    };
    child.stdout!.on('data', forward);
    child.stderr!.on('data', forward);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        resolve();
        if (this.stopping || this.restarting || !this.spec.restart) return;
        this.log(`${prefix}exited (${signal ?? code}); restarting`);
        this.restarts++;
        setTimeout(() => {
          // Not if stopping, nor if restart() has started a new one meanwhile.
          if (!this.stopping && this.child === child) {
            this.start();
            this.onChange();
          }
        }, 300).unref();
      }),
    );
    this.onChange();
  }

  /** SIGTERM (graceful drain), then SIGKILL after the grace period. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<void> {
    this.stopping = true;
    await this.terminate(signal, graceMs);
  }

  /** Drains and stops the process, then starts a new one with the same name and port. */
  async restart(graceMs = 30_000): Promise<void> {
    if (this.stopping) return;
    this.restarting = true;
    try {
      await this.terminate('SIGTERM', graceMs);
    } finally {
      this.restarting = false;
    }
    if (this.stopping) return; // the whole topology is stopping meanwhile
    this.restarts++;
    this.start();
  }

  private async terminate(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    if (this.child) await stopProcess(this.child, this.exited, signal, graceMs);
  }
}
