import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/cli/seed.ts';
import { runGraminsta, startStage1, type Stage1Process } from '../src/testing/stage1-process.ts';

const SEEDED = ['ada', 'bruno', 'chen'];
const README = join(import.meta.dirname, '../../../README.md');

/** The shell block of the README's "Using the API" section, exactly as written there. */
async function usingTheApiBlock(): Promise<string> {
  const text = await readFile(README, 'utf8');
  const section = text.slice(text.indexOf('## Using the API'), text.indexOf('## Commands'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README: no sh block under "Using the API"');
  return block[1]!;
}

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

  it('runs the "Using the API" block as written: sign-up, uploads, a post of one photo and one of two, a caption fix', async () => {
    const address = new URL(server!.url).host;
    // The only change: the address this server listens on for the README's localhost:3000.
    const script = (await usingTheApiBlock()).replaceAll('localhost:3000', address);
    const cwd = await mkdtemp(join(tmpdir(), 'graminsta-readme-api-'));
    try {
      await sharp({ create: { width: 400, height: 300, channels: 3, background: '#a35' } })
        .jpeg()
        .toFile(join(cwd, 'photo.jpg'));
      const run = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
        cwd,
        timeout: 120_000,
      });
      expect(run.stdout, run.stderr).not.toContain('"error"');
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
    // The profile lists posts once their photos are processed.
    const posts = async () => {
      const list = (await (await fetch(`${server!.url}/api/v1/users/newcomer/photos`)).json()) as {
        items: Array<{ caption: string; tags: string[]; media: Array<{ altText: string }> }>;
      };
      return list.items.map((p) => ({
        caption: p.caption,
        tags: p.tags,
        alts: p.media.map((m) => m.altText),
      }));
    };
    await expect.poll(posts, { timeout: 60_000, interval: 500 }).toEqual([
      { caption: 'with @ada', tags: [], alts: ['the harbour at dawn', ''] },
      { caption: 'first light over the harbour #sunrise', tags: ['sunrise'], alts: [''] },
    ]);
  }, 300_000);

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
