import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { stopAllChildren } from '@graminsta/topology';

/** Undo steps, run newest first, on success, on failure and on Ctrl-C alike. */
export class CleanupStack {
  private readonly steps: Array<{ what: string; undo: () => Promise<void> }> = [];

  push(what: string, undo: () => Promise<void>): void {
    this.steps.push({ what, undo });
  }

  get size(): number {
    return this.steps.length;
  }

  /** Runs every step pushed after `mark`; a failing step is reported and the rest still run. */
  async unwindTo(mark = 0): Promise<void> {
    while (this.steps.length > mark) {
      const step = this.steps.pop()!;
      try {
        await step.undo();
      } catch (err) {
        console.error(`cleanup "${step.what}" failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

export async function makeTempDir(cleanup: CleanupStack): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'graminsta-bench-'));
  cleanup.push(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A fresh database on the PostgreSQL server of `adminUrl`, dropped again by the cleanup. */
export async function makePostgresDatabase(adminUrl: string, cleanup: CleanupStack): Promise<string> {
  const name = `graminsta_bench_${process.pid}`;
  await adminQuery(adminUrl, `drop database if exists "${name}" with (force)`);
  await adminQuery(adminUrl, `create database "${name}"`);
  cleanup.push(`drop database ${name}`, () =>
    adminQuery(adminUrl, `drop database if exists "${name}" with (force)`),
  );
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** On Ctrl-C or SIGTERM: stop every child process, undo every cleanup step, exit 130. */
export function cleanUpOnSignal(cleanup: CleanupStack): void {
  const interrupted = (signal: NodeJS.Signals) => {
    console.error(`\n${signal}: stopping children and cleaning up`);
    void stopAllChildren()
      .then(() => cleanup.unwindTo(0))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
}
