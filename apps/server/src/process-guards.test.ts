import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./testing/process-guards.fixture.ts', import.meta.url));

/** Runs the fixture in a real Node process (through tsx) and collects its exit code and output. */
function run(mode: 'reject' | 'throw'): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe('process guards', () => {
  it('logs an unhandled rejection with its error and keeps the process running', async () => {
    const { code, out } = await run('reject');
    expect(out).toContain('unhandled promise rejection; still serving');
    expect(out).toContain('nobody awaited this');
    expect(out).toContain('still serving\n');
    expect(code).toBe(0);
  }, 60_000);

  it('logs an uncaught exception, drains, and exits non-zero for the supervisor', async () => {
    const { code, out } = await run('throw');
    expect(out).toContain('uncaught exception; draining');
    expect(out).toContain('state may be corrupt');
    expect(out).toContain('drained');
    expect(code).toBe(1);
  }, 60_000);
});
