import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/cli/seed.ts';
import { runGraminsta, startStage1, type Stage1Process } from '../src/testing/stage1-process.ts';

const SEEDED = ['ada', 'bruno', 'chen'];

async function profileStatus(url: string, username: string): Promise<number> {
  return (await fetch(`${url}/api/v1/users/${username}`)).status;
}

async function logInStatus(url: string, username: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  return res.status;
}

// Stage 1 is PGlite whatever the test database: these run the same on both passes.
describe('the README, in its written order: `npm start`, then `graminsta seed` in a second terminal', () => {
  let dataDir: string;
  let server: Stage1Process | null = null;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'graminsta-readme-'));
    server = await startStage1(dataDir);
  }, 400_000);
  afterAll(async () => {
    if (server?.child.exitCode === null) server.child.kill('SIGTERM');
    await server?.exited;
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('seeds through the running server: its accounts are live at once', async () => {
    const seed = await runGraminsta(dataDir, ['seed', '--users', '3']);
    expect(seed.output).toContain(`pid ${server!.child.pid}`);
    expect(seed.output).toContain('Seeded 3 accounts');
    expect(seed.code, seed.output).toBe(0);
    for (const name of SEEDED) expect(await profileStatus(server!.url, name), name).toBe(200);
    expect(await logInStatus(server!.url, 'ada')).toBe(200);
  }, 600_000);

  it('refuses a second server on the same folder, naming the running one, and leaves it serving', async () => {
    // Were it to start, it is stopped at once (and the test fails on its exit code).
    const second = await runGraminsta(dataDir, ['start'], { HOST: '127.0.0.1', PORT: '0' }, /ready at/);
    expect(second.code).not.toBe(0);
    expect(second.output).toContain(`pid ${server!.child.pid}`);
    expect(second.output).toContain(server!.url);
    expect(await profileStatus(server!.url, 'ada')).toBe(200);
  }, 600_000);

  it('keeps the seeded accounts across SIGTERM and a restart', async () => {
    server!.child.kill('SIGTERM');
    expect(await server!.exited).toBe(0);
    server = await startStage1(dataDir);
    for (const name of SEEDED) expect(await profileStatus(server.url, name), name).toBe(200);
    expect(await logInStatus(server.url, 'bruno')).toBe(200);
  }, 600_000);

  it('seeds on its own when no server is running', async () => {
    server!.child.kill('SIGTERM');
    expect(await server!.exited).toBe(0);
    const seed = await runGraminsta(dataDir, ['seed', '--users', '4']);
    expect(seed.code, seed.output).toBe(0);
    expect(seed.output).not.toContain('seeding through it');
    expect(seed.output).toContain('Seeded 1 accounts'); // the first three were there already
    server = await startStage1(dataDir);
    expect(await profileStatus(server.url, 'dana')).toBe(200);
  }, 600_000);
});
