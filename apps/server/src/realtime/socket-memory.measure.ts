/**
 * Memory per idle authenticated /ws socket, measured on a real `graminsta start` child (stage 1,
 * PGlite): its RSS before and after N sockets are open and authenticated, divided by N.
 * Sockets come from several loopback addresses, since one address may hold 50 (socket-limits.ts),
 * and from N/20 accounts, since one account may hold 20.
 *
 *   npx tsx apps/server/src/realtime/socket-memory.measure.ts [sockets=2000]
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { freePort } from '@graminsta/topology';
import { startGraminsta } from '../graminsta-bin.ts';

const N = Number(process.argv[2] ?? 2000);
const PER_ACCOUNT = 20;
const PER_ADDRESS = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]);
}

async function main() {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'graminsta-socket-mem-'));
  const server = await startGraminsta(['start'], {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    RATE_LIMITS: 'off',
  });
  const base = `http://127.0.0.1:${port}`;
  const opened: WebSocket[] = [];
  try {
    const tokens: string[] = [];
    for (let i = 0; i < Math.ceil((N + 1) / PER_ACCOUNT); i++) {
      const res = await fetch(`${base}/api/v1/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `mem${i}`, password: 'a memory password' }),
      });
      tokens.push(((await res.json()) as { token: string }).token);
    }
    // One socket first, so lazily built things (the subscriber, caches) are not counted per socket.
    const open = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
          localAddress: `127.0.${1 + Math.floor(n / PER_ADDRESS / 250)}.${1 + (Math.floor(n / PER_ADDRESS) % 250)}`,
        });
        opened.push(ws);
        ws.on('error', reject);
        ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: tokens[n % tokens.length] })));
        ws.on('message', (raw: Buffer) => {
          if ((JSON.parse(String(raw)) as { type: string }).type === 'ready') resolve();
        });
      });
    await open(N);
    await sleep(2000);
    const before = await rssKb(server.process.pid!);
    for (let n = 0; n < N; n += 100) await Promise.all(Array.from({ length: 100 }, (_, i) => open(n + i)));
    await sleep(5000);
    const after = await rssKb(server.process.pid!);
    console.log(
      JSON.stringify({
        sockets: N,
        rssBeforeKb: before,
        rssAfterKb: after,
        perSocketKb: (after - before) / N,
      }),
    );
  } finally {
    for (const ws of opened) ws.terminate();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
