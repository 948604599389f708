import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usingPostgres } from '@graminsta/core/testing/test-db';
import { CONTROL_MAX_REQUEST_BYTES } from '../src/control/control-socket.ts';
import { brokenEscape, controlString, hostileValue } from '../src/testing/hostile.ts';
import { freePort } from '@graminsta/topology';
import { startStage1, type Stage1Process } from '../src/testing/stage1-process.ts';

/** Writes bytes to a socket, half-closes, and collects what comes back until the server closes. */
function exchange(target: net.NetConnectOpts, bytes: Uint8Array | string): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(target, () => socket.end(bytes));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined); // a reset is a fine answer to garbage
    socket.setTimeout(20_000, () => socket.destroy());
    socket.once('close', () => resolve(Buffer.concat(chunks)));
  });
}

// Bytes a listener must shrug off: random, broken UTF-8, control characters, huge and nested JSON.
const hostileBytes: fc.Arbitrary<Uint8Array | string> = fc.oneof(
  fc.uint8Array({ maxLength: 8192 }),
  fc.constantFrom(
    Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0x0a]),
    Buffer.from([0xff, 0xfe, 0x00, 0x0a]),
    `${'['.repeat(50_000)}\n`,
    `{"command":"seed","users":${'9'.repeat(400)}}\n`,
    `{"command":"seed","users":1,"x":"${'a'.repeat(3 * CONTROL_MAX_REQUEST_BYTES)}"}\n`,
    'x'.repeat(256 * 1024),
  ),
  fc
    .tuple(controlString, brokenEscape)
    .map(([a, b]) => `GET /metrics/${b}?${a} HTTP/1.1\r\nHost: ${a}\r\n\r\n`),
  hostileValue.map((v) => `${JSON.stringify({ command: 'seed', users: v }) ?? 'null'}\n`),
);

// Stage 1 on PGlite whatever the pass (the control socket exists only there): run once, not per database.
describe.skipIf(usingPostgres())('the side listeners of a stage-1 process under hostile input', () => {
  let dataDir: string;
  let server: Stage1Process;
  let metricsPort: number;
  let control: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'graminsta-side-'));
    metricsPort = await freePort();
    server = await startStage1(dataDir, undefined, { METRICS_PORT: String(metricsPort) });
    control = join(dataDir, 'control', 'graminsta.sock');
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  async function stillServing(): Promise<void> {
    expect((await fetch(new URL('/healthz', server.url))).status, server.output().slice(-2000)).toBe(200);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
    // The control socket still reads requests: a wrong one gets its error line back.
    const answer = await exchange({ path: control }, '{"command":"nope"}\n');
    expect(answer.toString()).toContain('not a control request');
  }

  it('keeps the metrics port answering after random bytes, broken UTF-8 and huge heads', async () => {
    await stillServing();
    await fc.assert(
      fc.asyncProperty(fc.array(hostileBytes, { minLength: 1, maxLength: 5 }), async (batch) => {
        for (const bytes of batch) await exchange({ host: '127.0.0.1', port: metricsPort }, bytes);
        await stillServing();
      }),
      { numRuns: 15 },
    );
  });

  it('keeps the control socket and the server answering after the same', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileBytes, { minLength: 1, maxLength: 5 }), async (batch) => {
        for (const bytes of batch) {
          const answer = (await exchange({ path: control }, bytes)).toString();
          // Nothing hostile may start a seed.
          expect(answer).not.toContain('"done"');
        }
        await stillServing();
      }),
      { numRuns: 15 },
    );
  });
});
