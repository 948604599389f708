/**
 * `npm run bench -- load --url http://127.0.0.1:8080 --duration 30`: replays a mixed workload
 * through a running deployment's public URL and prints per-endpoint throughput, latency
 * percentiles, errors and the spread across instances (see README.md). Also runs alone:
 *   npx tsx bench/load-driver.ts --url http://127.0.0.1:3000 --signup 4 --actions 500
 */
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SEED_PASSWORD } from './seed.ts';
import { usernameOf } from './lib/dataset.ts';
import { writeJson } from './lib/report.ts';
import { formatWorkloadReport } from './lib/workload-table.ts';
import { ACTIONS, DEFAULT_MIX, runWorkload, type Credentials, type Mix } from '@graminsta/loadgen';

const RESULTS = fileURLToPath(new URL('./results/load-latest.json', import.meta.url));

function parseMix(text: string): Mix {
  const mix: Mix = {};
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const [name, weight] = part.split('=').map((s) => s.trim());
    if (!name || !(ACTIONS as readonly string[]).includes(name) || weight === undefined || weight === '')
      throw new Error(`--mix takes action=weight pairs from ${ACTIONS.join(', ')}; got "${part}"`);
    mix[name as keyof Mix] = Number(weight);
  }
  return mix;
}

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:3000' },
      duration: { type: 'string' },
      actions: { type: 'string' },
      concurrency: { type: 'string', default: '8' },
      signup: { type: 'string' },
      seeded: { type: 'string' },
      user: { type: 'string', multiple: true },
      token: { type: 'string', multiple: true },
      'photos-per-user': { type: 'string', default: '2' },
      mix: { type: 'string' },
      'max-attempts': { type: 'string', default: '3' },
      timeout: { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      'allow-remote': { type: 'boolean', default: false },
      json: { type: 'string', default: RESULTS },
    },
  });
  const num = (flag: string, text: string | undefined, min: number, integer = true) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
      throw new Error(`--${flag} must be ${integer ? 'an integer' : 'a number'} of at least ${min}`);
    return n;
  };
  const users: Credentials[] = (values.user ?? []).map((pair) => {
    const at = pair.indexOf(':');
    if (at <= 0) throw new Error(`--user takes name:password; got "${pair}"`);
    return { username: pair.slice(0, at), password: pair.slice(at + 1) };
  });
  const signup = num('signup', values.signup, 1);
  const tokens = values.token ?? [];
  // With no users named, the bench seed's own accounts are used: user00001 … with its password.
  const seeded = num('seeded', values.seeded, 0) ?? (signup || users.length || tokens.length ? 0 : 8);
  for (let i = 1; i <= seeded; i++) users.push({ username: usernameOf(i), password: SEED_PASSWORD });
  const actions = num('actions', values.actions, 1);
  const durationSeconds = num('duration', values.duration, 0.1, false) ?? (actions ? undefined : 30);
  return {
    baseUrl: values.url,
    durationMs: durationSeconds === undefined ? undefined : durationSeconds * 1000,
    actions,
    concurrency: num('concurrency', values.concurrency, 1)!,
    users,
    tokens,
    signup,
    photosPerUser: num('photos-per-user', values['photos-per-user'], 0)!,
    mix: values.mix ? parseMix(values.mix) : { ...DEFAULT_MIX },
    maxAttempts: num('max-attempts', values['max-attempts'], 1)!,
    requestTimeoutMs: num('timeout', values.timeout, 0.1, false)! * 1000,
    seed: num('seed', values.seed, 0)!,
    allowRemote: values['allow-remote'],
    json: values.json,
  };
}

export async function main(argv: string[]): Promise<void> {
  const { json, ...opts } = parseOptions(argv);
  const controller = new AbortController();
  // First Ctrl-C: start nothing new, let actions in flight finish and print the report. Second: leave.
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    console.error(`\n${signal}: finishing the actions in flight (again to quit at once)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const bound = opts.actions ? `${opts.actions} actions` : `${(opts.durationMs ?? 0) / 1000} s`;
  console.log(`Graminsta load driver: ${opts.baseUrl}, ${bound}, concurrency ${opts.concurrency}`);
  const report = await runWorkload({
    ...opts,
    signal: controller.signal,
    log: (line) => console.log(`   ${line}`),
  });
  await writeJson(json, report);
  console.log(`\n${formatWorkloadReport(report)}\n`);
  console.log(`JSON (with every write and its Idempotency-Key): ${json}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
