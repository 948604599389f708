/**
 * `npm run bench -- edge [--duration 10] [--connections 32] [--rounds 3] [--nginx-workers 1]`:
 * variant GETs through the stage-5 edge (nginx proxy_cache over the object store, rendered by the
 * same renderEdge as `graminsta up --stage 5`), all cache hits, against the ceiling: an nginx with
 * the same worker count, listener settings and response headers serving the very same files from
 * disk. Reported as edge req/s over ceiling req/s (the goal: at least 0.9), per variant.
 * The two alternate, round after round, so a machine that slows down mid-run slows both.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { processImage } from '@graminsta/core/media/image-pipeline';
import { startObjectStore } from '@graminsta/platform/blob/object-store-server';
import { HTTP_PRELUDE, IMMUTABLE, freePort, renderEdge, startNginx } from '@graminsta/topology';
import { measure, type Measurement } from './lib/load.ts';
import { scenePhoto } from './lib/photo-scenes.ts';
import { fixed, formatTable, machineInfo, writeJson } from './lib/report.ts';
import { CleanupStack, cleanUpOnSignal } from './lib/resources.ts';

const RESULTS = fileURLToPath(new URL('./results/edge.json', import.meta.url));
const BUCKET = 'graminsta';

interface Options {
  durationSeconds: number;
  connections: number;
  rounds: number;
  nginxWorkers: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '32' },
      rounds: { type: 'string', default: '3' },
      'nginx-workers': { type: 'string', default: '1' },
    },
  });
  const int = (flag: string, text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer`);
    return n;
  };
  return {
    durationSeconds: int('duration', values.duration),
    connections: int('connections', values.connections),
    rounds: int('rounds', values.rounds),
    nginxWorkers: int('nginx-workers', values['nginx-workers']),
  };
}

/** The ceiling: nginx serving files from disk with the edge's listener settings and headers. */
function renderDiskCeiling(port: number, root: string, workers: number): string {
  return `worker_processes ${workers};
worker_rlimit_nofile 16384;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 4096; }
http {
${HTTP_PRELUDE}
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 30s;
  keepalive_requests 10000;
  types { image/webp webp; image/avif avif; }
  server {
    listen 127.0.0.1:${port} reuseport;
    root ${root};
    location / {
      add_header Cache-Control "${IMMUTABLE}" always;
      add_header X-Content-Type-Options nosniff always;
      add_header Content-Security-Policy "sandbox; default-src 'none'; style-src 'unsafe-inline'" always;
    }
    location = /healthz { return 200 'ok'; }
  }
}
`;
}

interface Row {
  variant: string;
  bytes: number;
  edge: Measurement;
  ceiling: Measurement;
  ratio: number;
}

/** Averages rounds: req/s and latencies as the mean of the rounds, counts summed. */
function mean(ms: Measurement[]): Measurement {
  const avg = (f: (m: Measurement) => number) => ms.reduce((s, m) => s + f(m), 0) / ms.length;
  return {
    reqPerSec: avg((m) => m.reqPerSec),
    p50: avg((m) => m.p50),
    p95: avg((m) => m.p95),
    p99: avg((m) => m.p99),
    requests: ms.reduce((s, m) => s + m.requests, 0),
    non2xx: ms.reduce((s, m) => s + m.non2xx, 0),
    errors: ms.reduce((s, m) => s + m.errors, 0),
    statusCodes: {},
  };
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  const cleanup = new CleanupStack();
  cleanUpOnSignal(cleanup);
  const machine = machineInfo();
  console.log(
    `Edge benchmark: ${opts.durationSeconds} s × ${opts.rounds} rounds per variant and server, ` +
      `${opts.connections} connections, nginx workers ${opts.nginxWorkers}, ${machine.cpus} CPUs (${machine.cpuModel})`,
  );
  const rows: Row[] = [];
  try {
    const dir = await mkdtemp(join(tmpdir(), 'graminsta-bench-edge-'));
    cleanup.push(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));

    // Real variants, made by the worker's own pipeline from a painted photograph (bench/variants.ts's).
    const processed = await processImage(await scenePhoto('street', 0.75), { maxPixels: 50_000_000 });
    const store = await startObjectStore({ dir: join(dir, 'store'), bucket: BUCKET });
    cleanup.push('stop the object store', () => store.close());
    const files: Array<{ variant: string; path: string; bytes: number }> = [];
    for (const v of processed.variants.filter((x) => x.name === 'thumb' || x.name === 'w1080')) {
      const path = `/p/1/${createHash('sha256').update(v.body).digest('hex')}.webp`;
      const put = await fetch(`${store.url}/${BUCKET}${path}`, {
        method: 'PUT',
        body: new Uint8Array(v.body),
        headers: { 'content-type': 'image/webp' },
      });
      if (!put.ok) throw new Error(`store PUT ${put.status}`);
      await mkdir(dirname(join(dir, 'disk', path)), { recursive: true });
      await writeFile(join(dir, 'disk', path), v.body);
      files.push({ variant: v.name, path, bytes: v.body.length });
    }

    const [edgePort, purgePort, diskPort] = [await freePort(), await freePort(), await freePort()];
    const edgeUrl = `http://127.0.0.1:${edgePort}`;
    const edge = await startNginx(
      renderEdge({
        listenHost: '127.0.0.1',
        listenPort: edgePort,
        origin: new URL(store.url).host,
        bucket: BUCKET,
        purgeHost: '127.0.0.1',
        purgePort,
        purgeAllow: ['127.0.0.1'],
        workers: opts.nginxWorkers,
      }),
      `${edgeUrl}/healthz`,
    );
    cleanup.push('stop the edge', () => edge.stop());
    const diskUrl = `http://127.0.0.1:${diskPort}`;
    const disk = await startNginx(
      renderDiskCeiling(diskPort, join(dir, 'disk'), opts.nginxWorkers),
      `${diskUrl}/healthz`,
    );
    cleanup.push('stop the ceiling nginx', () => disk.stop());

    const load = { connections: opts.connections, durationSeconds: opts.durationSeconds };
    for (const f of files) {
      // One miss fills the cache; everything measured after is a hit.
      const first = await fetch(`${edgeUrl}${f.path}`);
      await first.arrayBuffer();
      const second = await fetch(`${edgeUrl}${f.path}`);
      await second.arrayBuffer();
      if (second.headers.get('x-cache-status') !== 'HIT')
        throw new Error(`${f.path} is not cached at the edge`);
      const storeGets = store.requests.byMethod.GET ?? 0;
      const request = { method: 'GET' as const, path: f.path };
      await measure(edgeUrl, request, { ...load, durationSeconds: 2 });
      await measure(diskUrl, request, { ...load, durationSeconds: 2 });
      const edgeRuns: Measurement[] = [];
      const diskRuns: Measurement[] = [];
      for (let r = 0; r < opts.rounds; r++) {
        diskRuns.push(await measure(diskUrl, request, load));
        edgeRuns.push(await measure(edgeUrl, request, load));
      }
      const reachedStore = (store.requests.byMethod.GET ?? 0) - storeGets;
      if (reachedStore !== 0) throw new Error(`${reachedStore} measured requests reached the store`);
      const row = {
        variant: f.variant,
        bytes: f.bytes,
        edge: mean(edgeRuns),
        ceiling: mean(diskRuns),
        ratio: 0,
      };
      row.ratio = row.edge.reqPerSec / row.ceiling.reqPerSec;
      rows.push(row);
      console.log(
        `   ${f.variant} (${f.bytes} B): edge ${row.edge.reqPerSec.toFixed(0)} req/s, ` +
          `disk ${row.ceiling.reqPerSec.toFixed(0)} req/s, ratio ${row.ratio.toFixed(3)}`,
      );
    }
  } finally {
    await cleanup.unwindTo(0);
  }
  await writeJson(RESULTS, { startedAt: new Date().toISOString(), machine, options: opts, rows });
  const header = [
    'variant',
    'bytes',
    'server',
    'req/s',
    'MB/s',
    'p50 ms',
    'p99 ms',
    'non-2xx',
    'errors',
    'ratio',
  ];
  const line = (r: Row, which: 'edge' | 'ceiling'): string[] => {
    const m = r[which];
    return [
      r.variant,
      String(r.bytes),
      which === 'edge' ? 'edge (cache hit)' : 'nginx from disk',
      fixed(m.reqPerSec, 0),
      fixed((m.reqPerSec * r.bytes) / 1e6, 1),
      fixed(m.p50, 2),
      fixed(m.p99, 2),
      String(m.non2xx),
      String(m.errors),
      which === 'edge' ? fixed(r.ratio, 3) : '1',
    ];
  };
  console.log(
    `\n${formatTable(
      header,
      rows.flatMap((r) => [line(r, 'ceiling'), line(r, 'edge')]),
      1,
    )}\n`,
  );
  console.log(
    'ratio = edge req/s over nginx serving the same file from disk, measured alternately in this run.',
  );
  console.log(`JSON: ${RESULTS}`);
}
