/**
 * `npm run bench -- stage4 [--duration 20] [--instances 1,2,3]`: for each number of API instances,
 * measures the ceiling (nginx in front of as many bare hello worlds), then starts
 * `graminsta up --stage 4 --api N --web 1` on a fresh database and drives the load driver through
 * its API balancer: a GET-only mix and the full mix. Prints throughput, latency, errors and the
 * cores each class of process used, and writes bench/results/stage4-latest.json. See README.md.
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineInfo, writeJson } from './lib/report.ts';
import { CleanupStack, cleanUpOnSignal } from './lib/resources.ts';
import { ceilingRows, stageRows, type Stage4Options } from './lib/stage4-runs.ts';
import { cpuTable, spreadLines, throughputTable, type Stage4Row } from './lib/stage4-table.ts';

const RESULTS = fileURLToPath(new URL('./results/stage4-latest.json', import.meta.url));

function parseOptions(argv: string[]): Stage4Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '20' },
      'ceiling-duration': { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      instances: { type: 'string', default: '1,2,3' },
      concurrency: { type: 'string', default: '16' },
      signup: { type: 'string', default: '8' },
      'photos-per-user': { type: 'string', default: '2' },
      seed: { type: 'string', default: '1' },
      'no-get-only': { type: 'boolean', default: false },
    },
  });
  const int = (flag: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} must be an integer of at least ${min}`);
    return n;
  };
  const instances = values.instances.split(',').map((s) => int('instances', s.trim(), 1));
  return {
    durationSeconds: int('duration', values.duration, 1),
    ceilingSeconds: int('ceiling-duration', values['ceiling-duration'], 1),
    warmupSeconds: int('warmup', values.warmup, 0),
    instances,
    concurrency: int('concurrency', values.concurrency, 1),
    signup: int('signup', values.signup, 2),
    photosPerUser: int('photos-per-user', values['photos-per-user'], 1),
    seed: int('seed', values.seed, 0),
    getOnly: !values['no-get-only'],
  };
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  const cleanup = new CleanupStack();
  cleanUpOnSignal(cleanup);

  const machine = machineInfo();
  console.log(
    `Stage-4 benchmark: API instances ${opts.instances.join(', ')}, ${opts.durationSeconds} s per workload, ` +
      `${opts.ceilingSeconds} s per ceiling, concurrency ${opts.concurrency}, ${opts.signup} users, ` +
      `${machine.cpus} CPUs (${machine.cpuModel}), load average ${loadavg()[0]!.toFixed(1)}`,
  );
  const rows: Stage4Row[] = [];
  const startedAt = new Date().toISOString();
  try {
    for (const n of opts.instances) {
      console.log(`\n== ${n} API instance${n === 1 ? '' : 's'}`);
      rows.push(...(await ceilingRows(n, opts, cleanup)));
      rows.push(...(await stageRows(n, opts, cleanup)));
    }
  } finally {
    await cleanup.unwindTo(0);
  }
  await writeJson(RESULTS, { startedAt, machine, options: opts, rows });
  console.log(`\n${throughputTable(rows)}\n`);
  console.log(
    'ceiling = GET /hello (a constant) on bare Fastify hello worlds behind nginx, one per API instance;\n' +
      "the mixes are real API requests through stage 4's API balancer (GET-only: feed, profile, photo;\n" +
      'full: those plus comments, likes, comment posts and uploads). p50/p95/p99 are over every request.\n' +
      '÷ ceiling = req/s over the "ceiling fetch" row of the same N (same client, same concurrency).\n',
  );
  console.log(`Served by (x-served-by):\n${spreadLines(rows)}\n`);
  console.log(
    'Cores used per class of process (2.00 = two cores busy the whole run; other = the rest of the\n' +
      `machine, i.e. work that is not this benchmark's):\n\n${cpuTable(rows)}\n`,
  );
  console.log(`JSON: ${RESULTS}`);
}
