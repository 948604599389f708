import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usingPostgres } from '@graminsta/core/testing/test-db';
import { freePortPair } from '@graminsta/topology';
import { GRAMINSTA_BIN } from '../src/graminsta-bin.ts';
import { startStage, type StageProcess } from '../src/testing/stage-process.ts';

/** A second `graminsta up --stage 2` run to its end: its exit code and what it printed. */
function secondUp(env: Record<string, string>, port: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [GRAMINSTA_BIN, 'up', '--stage', '2', '--port', String(port)],
      { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

describe.skipIf(!usingPostgres())('graminsta up refuses what another up holds', () => {
  let stage: StageProcess;
  let port: number;
  beforeAll(async () => {
    stage = await startStage(2);
    port = Number(new URL((await stage.topology()).urls.web).port);
  }, 240_000);
  afterAll(async () => {
    expect(await stage?.stop()).toBe(0);
  }, 120_000);

  const snapshot = async () => (await stage.topology()).processes.map((p) => `${p.name}:${p.pid}`);

  it('a second up on the same DATA_DIR (other ports) is refused, naming the running one', async () => {
    const before = await snapshot();
    const second = await secondUp(
      { DATA_DIR: stage.dataDir, DATABASE_URL: stage.databaseUrl },
      await freePortPair(),
    );
    expect(second.code, second.output).not.toBe(0);
    expect(second.output).toContain('is in use by another `graminsta up`');
    expect(second.output).toContain(`pid ${stage.child.pid}`);
    expect(second.output).not.toContain('is ready');
    // The running stage is untouched: same processes, still answering.
    expect(await snapshot()).toEqual(before);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  }, 120_000);

  it('a second up on the same port (its own DATA_DIR) is refused, naming the port, before it starts anything', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'graminsta-up-claims-'));
    try {
      const second = await secondUp({ DATA_DIR: dataDir, DATABASE_URL: stage.databaseUrl }, port);
      expect(second.code, second.output).not.toBe(0);
      expect(second.output).toContain(`port ${port} (web) is already in use`);
      expect(second.output).not.toContain('is ready');
      await expect(readFile(join(dataDir, 'topology.json'))).rejects.toThrow();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  }, 120_000);
});
