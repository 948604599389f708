/**
 * `npm run bench -- startup`: how long stage 1 takes from spawn to the first 200 from /readyz,
 * on a fresh data folder (cold) and again on the same folder (warm), beside two ceilings timed in
 * the same run: a bare Fastify hello world, and the same after a bare PGlite open of the folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GRAMINSTA_BIN } from '@graminsta/server';
import { timeStart, type StartTiming } from './lib/startup-timer.ts';
import { startupTable, type StartupRow } from './lib/startup-table.ts';
import { machineInfo, writeJson } from './lib/report.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CEILING = join(ROOT, 'bench/lib/startup-ceiling.mjs');
const RESULTS = join(ROOT, 'bench/results/startup-latest.json');

export const STARTUP_ROWS = ['hello world', 'PGlite open', 'cold', 'warm', 'warm, npm start'] as const;
type RowName = (typeof STARTUP_ROWS)[number];

function serverEnv(dataDir: string, sources: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  // Stage 1: an inherited database or role list would measure something else.
  delete env.DATABASE_URL;
  delete env.ROLES;
  if (sources) env.GRAMINSTA_SOURCES = '1';
  return env;
}

/** One round: each row once, in the order a user meets them, on one fresh data folder. */
async function round(sources: boolean, npm: boolean): Promise<Partial<Record<RowName, StartTiming>>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'graminsta-startup-'));
  try {
    const node = (args: string[], env: NodeJS.ProcessEnv) =>
      timeStart({ command: process.execPath, args, env });
    const env = serverEnv(dataDir, sources);
    const times: Partial<Record<RowName, StartTiming>> = {};
    times['hello world'] = await node([CEILING], env);
    times.cold = await node([GRAMINSTA_BIN, 'start'], env);
    times['PGlite open'] = await node([CEILING, join(dataDir, 'pglite')], env);
    times.warm = await node([GRAMINSTA_BIN, 'start'], env);
    if (npm) {
      const viaNpm = await timeStart({ command: 'npm', args: ['start', '--silent'], env, cwd: ROOT });
      times['warm, npm start'] = { ...viaNpm, cpuSeconds: null }; // npm's own CPU, not the server's
    }
    return times;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '5' },
      sources: { type: 'boolean', default: false },
      'no-npm': { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  const what = values.sources ? 'TypeScript sources through tsx' : 'the compiled bundle';
  console.log(`Stage-1 start-up, ${runs} rounds, ${what}`);
  // Build what a first start would build (the bundle, the web client) before timing anything.
  execFileSync(process.execPath, [GRAMINSTA_BIN, '--help'], {
    stdio: 'ignore',
    env: serverEnv(ROOT, values.sources),
  });
  execFileSync(process.execPath, [join(ROOT, 'scripts/ensure-web-build.mjs')], { stdio: 'inherit' });

  const samples = new Map<RowName, StartTiming[]>(STARTUP_ROWS.map((r) => [r, []]));
  for (let i = 1; i <= runs; i++) {
    const times = await round(values.sources, !values['no-npm']);
    for (const [name, t] of Object.entries(times)) samples.get(name as RowName)!.push(t);
    const line = Object.entries(times).map(([n, t]) => `${n} ${t.readySeconds.toFixed(2)} s`);
    console.log(`   round ${i}: ${line.join(', ')}`);
  }
  const rows: StartupRow[] = STARTUP_ROWS.filter((r) => samples.get(r)!.length > 0).map((name) => ({
    name,
    samples: samples.get(name)!,
  }));
  const table = startupTable(rows);
  const machine = machineInfo();
  await writeJson(RESULTS, {
    startedAt: new Date().toISOString(),
    machine,
    runs,
    sources: values.sources,
    rows,
  });
  console.log(`\n${table}\n`);
  console.log(`ready = spawn to the first 200 from /readyz; median of ${runs} (min–max). JSON: ${RESULTS}`);
}
