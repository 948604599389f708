import { join, resolve } from 'node:path';
import { ConfigError } from '@graminsta/platform';
import { collectSample, readTopology } from '../doctor/collect.ts';
import { diagnose, type Diagnosis } from '../doctor/diagnose.ts';
import { readScaling, renderReport } from '../doctor/report.ts';

export interface DoctorOptions {
  seconds: number;
  json: boolean;
}

/** `--seconds N` (1 to 300, default 10) and `--json`, as parsed from the command line. */
export function parseDoctorArgs(flags: { seconds?: string; json?: boolean }): DoctorOptions {
  const seconds = flags.seconds === undefined ? 10 : Number(flags.seconds);
  if (!/^\d{1,3}$/.test(flags.seconds ?? '10') || seconds < 1 || seconds > 300)
    throw new ConfigError('--seconds must be an integer from 1 to 300');
  return { seconds, json: flags.json === true };
}

/** Two samples of the running topology `seconds` apart, and what they say. */
export async function examine(env: Record<string, string | undefined>, seconds: number): Promise<Diagnosis> {
  const dataDir = resolve(env.DATA_DIR ?? './data');
  const first = await readTopology(dataDir);
  const before = await collectSample(first, env);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  // Read again: the autoscaler or a restart may have changed the processes meanwhile.
  const after = await collectSample(await readTopology(dataDir), env);
  return diagnose(before, after, await readScaling(join(dataDir, 'scaling.jsonl')));
}

/** `graminsta doctor`: where the bottleneck is, in plain words, with the numbers it used. */
export async function runDoctor(
  env: Record<string, string | undefined>,
  opts: DoctorOptions,
  print: (text: string) => void = (text) => console.log(text),
): Promise<void> {
  const d = await examine(env, opts.seconds);
  print(opts.json ? JSON.stringify(d, null, 2) : renderReport(d));
}
