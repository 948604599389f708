import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortPair, startChild } from '@graminsta/topology';
import { adminQuery, pgUrlFor } from '@graminsta/core/testing/test-db';
import { GRAMINSTA_BIN } from '../graminsta-bin.ts';
import type { TopologySnapshot } from '../supervisor/up.ts';

export interface StageProcess {
  child: ChildProcess;
  dataDir: string;
  /** The stage's database; empty at stage 6 with clusters of its own (see `topology().postgres`). */
  databaseUrl: string;
  /** What the supervisor wrote to topology.json last (written whole and renamed into place). */
  topology(): Promise<TopologySnapshot>;
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * `graminsta up --stage N` as a child process, on its own database and data folder; or, with
 * `existing.databaseUrl` (a benchmark's seeded database), on that one, which it leaves in place.
 */
export async function startStage(
  stage: number,
  args: string[] = [],
  env: Record<string, string> = {},
  existing: { databaseUrl?: string } = {},
): Promise<StageProcess> {
  const port = await freePortPair();
  const dataDir = await mkdtemp(join(tmpdir(), `graminsta-stage${stage}-`));
  const dbName = `graminsta_stage${stage}_${process.pid}_${port}`;
  // Stage 6 runs a primary and a replica of its own unless given a database (a benchmark's).
  const ownClusters = stage >= 6 && !existing.databaseUrl;
  const made = !existing.databaseUrl && !ownClusters;
  const databaseUrl = existing.databaseUrl ?? (ownClusters ? '' : pgUrlFor(dbName));
  if (made) await adminQuery(`create database "${dbName}"`);
  const cleanup = async () => {
    await rm(dataDir, { recursive: true, force: true });
    if (made) await adminQuery(`drop database if exists "${dbName}" with (force)`);
  };
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    // Every client comes through nginx from loopback: limits on but far away for the load.
    RATE_LIMITS: '1000',
    ...env,
  };
  // Unset, not empty: every process of the stage inherits it, and an empty URL is no URL.
  if (ownClusters && !env.DATABASE_URL) delete childEnv.DATABASE_URL;
  const supervisor = await startChild({
    name: `graminsta up --stage ${stage}`,
    command: process.execPath,
    args: [GRAMINSTA_BIN, 'up', '--stage', String(stage), '--port', String(port), ...args],
    env: childEnv,
    readyLine: /is ready: web (\S+)/,
    timeoutMs: 180_000,
  }).catch(async (err: unknown) => {
    await cleanup();
    throw err;
  });
  return {
    child: supervisor.process,
    dataDir,
    databaseUrl,
    topology: async () =>
      JSON.parse(await readFile(join(dataDir, 'topology.json'), 'utf8')) as TopologySnapshot,
    output: supervisor.output,
    async stop() {
      // SIGINT, as Ctrl-C: the supervisor stops its balancers, then drains every instance.
      const code = await supervisor.stop('SIGINT', 120_000);
      await cleanup();
      return code;
    },
  };
}
