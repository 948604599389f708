import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '@graminsta/topology';
import { GRAMINSTA_BIN, startGraminsta } from '../graminsta-bin.ts';

/** Stage 1 whatever the test database: PGlite in `dataDir`, no DATABASE_URL inherited. */
function stage1Env(dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extra };
  delete env.DATABASE_URL;
  return env;
}

export interface Stage1Process {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * `graminsta start` as a user runs it, on a data folder the test keeps across restarts. Resolves
 * once it prints that it is ready.
 */
export async function startStage1(
  dataDir: string,
  port?: number,
  extra: Record<string, string> = {},
): Promise<Stage1Process> {
  const env = stage1Env(dataDir, { HOST: '127.0.0.1', PORT: String(port ?? (await freePort())), ...extra });
  const server = await startGraminsta(['start'], env);
  return { url: server.announced, child: server.process, output: server.output, exited: server.exited };
}

/** Runs one `graminsta <args>` command on the folder to its end (or SIGTERM once `stopOn` shows). */
export async function runGraminsta(
  dataDir: string,
  args: string[],
  extra: Record<string, string> = {},
  stopOn?: RegExp,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [GRAMINSTA_BIN, ...args], {
    env: stage1Env(dataDir, extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  if (stopOn) child.stdout.on('data', () => stopOn.test(output) && child.kill('SIGTERM'));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}
