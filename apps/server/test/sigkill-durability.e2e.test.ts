import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/cli/seed.ts';
import { commentUntilKilled } from '../src/testing/kill-during-writes.ts';
import { runGraminsta, startStage1, type Stage1Process } from '../src/testing/stage1-process.ts';

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function logIn(url: string, username: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  return (await json<{ token: string }>(res)).token;
}

async function allCommentBodies(url: string, photoId: string): Promise<Set<string>> {
  const bodies = new Set<string>();
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await json<{ items: { body: string }[]; nextCursor: string | null }>(
      await fetch(`${url}/api/v1/photos/${photoId}/comments?limit=50${query}`),
    );
    for (const c of page.items) bodies.add(c.body);
    cursor = page.nextCursor;
  } while (cursor);
  return bodies;
}

// Stage 1 is PGlite whatever the test database: this runs the same on both passes.
describe('stage 1 killed with SIGKILL during writes', () => {
  let dataDir: string;
  let server: Stage1Process | null = null;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'graminsta-sigkill-'));
  });
  afterAll(async () => {
    if (server?.child.exitCode === null) server.child.kill('SIGTERM');
    await server?.exited;
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('restarts on the same folder with every acknowledged write present', async () => {
    server = await startStage1(dataDir);
    const seeded = await runGraminsta(dataDir, ['seed', '--users', '2']);
    expect(seeded.code, seeded.output).toBe(0);
    const tokens = [await logIn(server.url, 'ada'), await logIn(server.url, 'bruno')];
    const photos = await json<{ items: { id: string }[] }>(
      await fetch(`${server.url}/api/v1/users/ada/photos`),
    );
    const photoId = photos.items[0]!.id;

    const victim = server;
    const run = await commentUntilKilled({
      url: victim.url,
      photoId,
      tokens,
      kill: () => victim.child.kill('SIGKILL'),
    });
    expect(run.killed, 'the server was never killed: too few writes acknowledged').toBe(true);
    expect(await victim.exited).toBeNull(); // died of the signal
    // Writes were really in flight at the kill: sent before it, they got no answer at all.
    expect(run.cutOff).toBeGreaterThan(0);

    server = await startStage1(dataDir); // the dead holder's lock and socket are taken over
    const stored = await allCommentBodies(server.url, photoId);
    const acknowledged = run.writes.filter((w) => w.ok).map((w) => `load ${w.idempotencyKey}`);
    expect(acknowledged.length).toBeGreaterThanOrEqual(30);
    expect(acknowledged.filter((body) => !stored.has(body))).toEqual([]);
    // Nothing appears that was never sent.
    const sent = new Set(run.writes.map((w) => `load ${w.idempotencyKey}`));
    expect([...stored].filter((body) => !sent.has(body))).toEqual([]);
  }, 1_200_000);
});
