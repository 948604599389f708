import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../supervisor/ports.ts';
import { adminQuery, pgUrlFor, usingPostgres } from '@graminsta/core/testing/test-db';

export { freePort };
export const GRAMINSTA_BIN = fileURLToPath(new URL('../../bin/graminsta.mjs', import.meta.url));

export interface ServerProcess {
  url: string;
  dataDir: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<number | null>;
}

/**
 * A real `graminsta start` child process on a free loopback port, with its own data folder and,
 * when tests run on PostgreSQL, its own fresh database (dropped at stop).
 */
export async function startServerProcess(
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'graminsta-e2e-'));
  const dbName = usingPostgres() ? `graminsta_e2e_${process.pid}_${port}` : null;
  if (dbName) await adminQuery(`create database "${dbName}"`);
  const child = spawn(process.execPath, [GRAMINSTA_BIN, 'start', ...args], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // Limits on but far away: tests sign up many users from loopback.
      RATE_LIMITS: '1000',
      ...(dbName ? { DATABASE_URL: pgUrlFor(dbName) } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { url: ready, output, exited } = watchStart(child);
  const url = await ready;
  return {
    url,
    dataDir,
    child,
    output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      await rm(dataDir, { recursive: true, force: true });
      if (dbName) await adminQuery(`drop database if exists "${dbName}" with (force)`);
      return code;
    },
  };
}

/**
 * Collects a `graminsta start` child's output, and resolves with the URL it prints once ready.
 * A readiness wait, not a timing check: generous, for machines busy with other tests; a child
 * that misses it is killed, or it would start later and hold its port.
 */
export function watchStart(
  child: ChildProcess,
  timeoutMs = 300_000,
): { url: Promise<string>; output: () => string; exited: Promise<number | null> } {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${out}`));
    }, timeoutMs);
    child.stdout!.on('data', () => {
      const match = /ready at (\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return { url, output: () => out, exited };
}
