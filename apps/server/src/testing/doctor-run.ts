import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GRAMINSTA_BIN } from '../graminsta-bin.ts';
import type { Diagnosis } from '../doctor/diagnose.ts';
import { renderReport } from '../doctor/report.ts';

/**
 * `graminsta doctor --seconds N --json` as the real CLI against a running stage's DATA_DIR; its
 * diagnosis, and the human report rendered from it by the CLI's own renderer (for the test log).
 */
export async function runDoctorCli(
  env: Record<string, string>,
  seconds = 3,
): Promise<{ diagnosis: Diagnosis; report: string }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [GRAMINSTA_BIN, 'doctor', '--seconds', String(seconds), '--json'],
    { env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const diagnosis = JSON.parse(stdout) as Diagnosis;
  return { diagnosis, report: renderReport(diagnosis) };
}
