import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@graminsta/topology';
import { adminQuery, pgUrlFor, usingPostgres } from '@graminsta/core/testing/test-db';
import { startGraminsta } from '../graminsta-bin.ts';

// Tests elsewhere in the workspace take their ports from here, beside the server they start.

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
  const server = await startGraminsta(['start', ...args], {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    // Limits on but far away: tests sign up many users from loopback.
    RATE_LIMITS: '1000',
    ...(dbName ? { DATABASE_URL: pgUrlFor(dbName) } : {}),
    ...env,
  });
  return {
    url: server.announced,
    dataDir,
    child: server.process,
    output: server.output,
    async stop() {
      const code = await server.stop();
      await rm(dataDir, { recursive: true, force: true });
      if (dbName) await adminQuery(`drop database if exists "${dbName}" with (force)`);
      return code;
    },
  };
}
