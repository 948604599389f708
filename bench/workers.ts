/**
 * `npm run bench -- workers [--workers 1,2,3] [--photos 12] [--concurrency 1] [--rounds 1]`: the
 * upload pipeline's throughput with 1, 2 and 3 worker processes. For each count it starts a
 * worker tier on a fresh PostgreSQL database (one `--roles api,storage` process, N `--roles
 * worker` processes, the harness of the worker-tier tests), uploads `--photos` camera JPEGs of
 * about 3 MB through the two-step upload, then creates every post at once and times until the
 * last one is ready. Prints photos per second, per worker process, and the median job time the
 * workers logged; writes bench/results/workers-latest.json. Uses the local-disk blob store (the
 * stage-4 storage role): see README.md, "Stage 5: workers".
 */
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TierClient, startWorkerTier } from '@graminsta/server/worker/worker-tier.harness';
import { scenePhoto } from './lib/photo-scenes.ts';
import { machineInfo, writeJson } from './lib/report.ts';

const RESULTS = fileURLToPath(new URL('./results/workers-latest.json', import.meta.url));

interface Options {
  workers: number[];
  photos: number;
  concurrency: number;
  rounds: number;
  adminUrl: string;
}

interface Row {
  workers: number;
  concurrency: number;
  round: number;
  photos: number;
  photoBytes: number;
  uploadSeconds: number;
  processSeconds: number;
  photosPerSecond: number;
  perWorker: number;
  medianJobMs: number;
  jobsByWorker: Record<string, number>;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      workers: { type: 'string', default: '1,2,3' },
      photos: { type: 'string', default: '12' },
      concurrency: { type: 'string', default: '1' },
      rounds: { type: 'string', default: '1' },
      'pg-admin-url': {
        type: 'string',
        default: process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      },
    },
  });
  const int = (flag: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer of at least ${min}`);
    return n;
  };
  return {
    workers: values.workers.split(',').map((s) => int('workers', s.trim(), 1)),
    photos: int('photos', values.photos, 1),
    concurrency: int('concurrency', values.concurrency, 1),
    rounds: int('rounds', values.rounds, 1),
    adminUrl: values['pg-admin-url'],
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor((s.length - 1) / 2)]!;
};

async function runOnce(opts: Options, jpeg: Buffer, workers: number, round: number): Promise<Row> {
  const tier = await startWorkerTier({
    adminUrl: opts.adminUrl,
    env: { WORKER_CONCURRENCY: String(opts.concurrency) },
  });
  try {
    for (let i = 0; i < workers; i++) await tier.startWorker();
    const client = await TierClient.signUp(tier.api, 'bench');
    const uploadStart = performance.now();
    const uploads = await Promise.all(Array.from({ length: opts.photos }, () => client.upload(jpeg)));
    const uploadSeconds = (performance.now() - uploadStart) / 1000;

    const start = performance.now();
    const ids = await Promise.all(uploads.map((u) => client.createPost(u.uploadId)));
    for (;;) {
      const [row] = await tier.query<{ left: number; failed: number }>(
        `select count(*) filter (where status = 'processing')::int as left,
                count(*) filter (where status = 'failed')::int as failed from photos`,
      );
      if (row!.failed > 0) throw new Error(`${row!.failed} photos failed`);
      if (row!.left === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const processSeconds = (performance.now() - start) / 1000;
    await new Promise((r) => setTimeout(r, 300)); // the last job lines
    const lines = tier.jobLines().filter((l) => l.job === 'photo.process' && l.msg === 'job done');
    const jobsByWorker: Record<string, number> = {};
    for (const l of lines) jobsByWorker[l.worker] = (jobsByWorker[l.worker] ?? 0) + 1;
    const photosPerSecond = ids.length / processSeconds;
    return {
      workers,
      concurrency: opts.concurrency,
      round,
      photos: ids.length,
      photoBytes: jpeg.length,
      uploadSeconds,
      processSeconds,
      photosPerSecond,
      perWorker: photosPerSecond / workers,
      medianJobMs: median(lines.map((l) => l.ms ?? 0)),
      jobsByWorker,
    };
  } finally {
    await tier.stop();
  }
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  // One painted camera photo (4000 × 3000 landscape, about 3 MB), uploaded as many times as asked.
  const jpeg = await scenePhoto('landscape', 1, 1);
  console.log(
    `Worker benchmark: ${opts.photos} photos of ${(jpeg.length / 1e6).toFixed(2)} MB, workers ${opts.workers.join(', ')}, ` +
      `concurrency ${opts.concurrency} per process, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}`,
  );
  const rows: Row[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    for (const workers of opts.workers) {
      const row = await runOnce(opts, jpeg, workers, round);
      rows.push(row);
      console.log(
        `  ${workers} worker(s), round ${round}: ${row.photosPerSecond.toFixed(3)} photos/s ` +
          `(${row.perWorker.toFixed(3)} per worker), median job ${row.medianJobMs} ms, ` +
          `jobs ${JSON.stringify(row.jobsByWorker)}`,
      );
    }
  }
  const base = rows.find((r) => r.workers === opts.workers[0])?.photosPerSecond ?? 1;
  console.log(
    '\n' +
      table(
        [
          'workers',
          'round',
          'photos',
          'upload s',
          'processing s',
          'photos/s',
          'per worker',
          'vs first',
          'median job ms',
        ],
        rows.map((r) => [
          String(r.workers),
          String(r.round),
          String(r.photos),
          r.uploadSeconds.toFixed(2),
          r.processSeconds.toFixed(2),
          r.photosPerSecond.toFixed(3),
          r.perWorker.toFixed(3),
          (r.photosPerSecond / base).toFixed(2),
          String(r.medianJobMs),
        ]),
      ),
  );
  await writeJson(RESULTS, { machine: machineInfo(), options: { ...opts, adminUrl: undefined }, rows });
  console.log(`\nwritten to ${RESULTS}`);
}
