/**
 * Memory per idle authenticated /ws socket. The server (stage 1, PGlite, every role) runs in this
 * process, the clients in a child process, so this heap holds only the server's side: heap used
 * (after a full GC) and RSS before and after N sockets are open and authenticated, divided by N.
 * Sockets come from several loopback addresses (one address may hold 50, socket-limits.ts) and
 * N/20 accounts (one account may hold 20).
 *
 *   node --expose-gc --import tsx apps/server/src/realtime/socket-memory.measure.ts [sockets=2000]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '@graminsta/topology';
import { startServer } from '../server.ts';

const N = Number(process.argv[2] ?? 2000);
const PER_ACCOUNT = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The client side: one warm-up socket, then N more when told ("go"), each authenticated.
const CLIENT = `
const WebSocket = require('ws');
const { port, tokens, n } = JSON.parse(process.env.MEASURE);
const open = (i) => new Promise((resolve, reject) => {
  const ws = new WebSocket('ws://127.0.0.1:' + port + '/ws', {
    localAddress: '127.0.' + (1 + Math.floor(i / 50 / 250)) + '.' + (1 + (Math.floor(i / 50) % 250)),
  });
  ws.on('error', reject);
  ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', token: tokens[i % tokens.length] })));
  ws.on('message', (raw) => JSON.parse(String(raw)).type === 'ready' && resolve());
});
(async () => {
  await open(n);
  console.log('warm');
  await new Promise((r) => process.stdin.once('data', r));
  for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: 100 }, (_, k) => open(i + k)));
  console.log('done');
  await new Promise((r) => process.stdin.once('end', r));
  process.exit(0);
})().catch((err) => { console.error(err); process.exit(1); });
`;

function measure() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, rss: m.rss, external: m.external + m.arrayBuffers };
}

async function main() {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'graminsta-socket-mem-'));
  const server = await startServer({
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    RATE_LIMITS: 'off',
  });
  try {
    const tokens: string[] = [];
    for (let i = 0; i < Math.ceil((N + 1) / PER_ACCOUNT); i++) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `mem${i}`, password: 'a memory password' }),
      });
      tokens.push(((await res.json()) as { token: string }).token);
    }
    const client = spawn(process.execPath, ['-e', CLIENT], {
      env: { ...process.env, MEASURE: JSON.stringify({ port, tokens, n: N }) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: client.stdout });
    const next = () => new Promise<string>((resolve) => lines.once('line', resolve));
    if ((await next()) !== 'warm') throw new Error('client failed');
    await sleep(1000);
    const before = measure();
    client.stdin.write('go\n');
    if ((await next()) !== 'done') throw new Error('client failed');
    await sleep(2000);
    const after = measure();
    const per = (k: keyof typeof before) => Math.round(((after[k] - before[k]) / N / 1024) * 100) / 100;
    console.log(
      JSON.stringify({
        sockets: N,
        heapKbPerSocket: per('heapUsed'),
        externalKbPerSocket: per('external'),
        rssKbPerSocket: per('rss'),
      }),
    );
    client.stdin.end();
    await new Promise((resolve) => client.once('exit', resolve));
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
