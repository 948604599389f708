import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminQuery, pgUrlFor } from '@graminsta/core/testing/test-db';
import type { Topology } from '../supervisor/up.ts';
import { GRAMINSTA_BIN } from './server-process.ts';

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Two consecutive free ports: the web balancer takes P, the API balancer P+1. */
async function portPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await portFree(p)) && (await portFree(p + 1))) return p;
  }
  throw new Error('no free port pair');
}

export interface StageProcess {
  child: ChildProcess;
  dataDir: string;
  databaseUrl: string;
  topology(): Promise<Topology>;
  output(): string;
  stop(): Promise<number | null>;
}

/** `graminsta up --stage N` as a child process, on its own database and data folder. */
export async function startStage(stage: number, args: string[] = []): Promise<StageProcess> {
  const port = await portPair();
  const dataDir = await mkdtemp(join(tmpdir(), `graminsta-stage${stage}-`));
  const dbName = `graminsta_stage${stage}_${process.pid}_${port}`;
  await adminQuery(`create database "${dbName}"`);
  const child = spawn(
    process.execPath,
    [GRAMINSTA_BIN, 'up', '--stage', String(stage), '--port', String(port), ...args],
    {
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        DATABASE_URL: pgUrlFor(dbName),
        LOG_LEVEL: 'warn',
        // Every client comes through nginx from loopback: limits on but far away for the load.
        RATE_LIMITS: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const cleanup = async () => {
    await rm(dataDir, { recursive: true, force: true });
    await adminQuery(`drop database if exists "${dbName}" with (force)`);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stage ${stage} did not start:\n${out}`)), 180_000);
      child.stdout!.on('data', () => {
        if (out.includes('is ready: web')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`graminsta up exited with ${code}:\n${out}`));
      });
    });
  } catch (err) {
    child.kill('SIGTERM');
    await exited;
    await cleanup();
    throw err;
  }
  return {
    child,
    dataDir,
    databaseUrl: pgUrlFor(dbName),
    topology: async () => JSON.parse(await readFile(join(dataDir, 'topology.json'), 'utf8')) as Topology,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      const code = await exited;
      await cleanup();
      return code;
    },
  };
}
