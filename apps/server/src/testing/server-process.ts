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
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    // A readiness wait, not a timing check: generous, for machines busy with other tests.
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // or it would start later and hold the port
      reject(new Error(`server did not start:\n${out}`));
    }, 120_000);
    child.stdout!.on('data', () => {
      const match = /ready at (\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    url,
    dataDir,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      await rm(dataDir, { recursive: true, force: true });
      if (dbName) await adminQuery(`drop database if exists "${dbName}" with (force)`);
      return code;
    },
  };
}
