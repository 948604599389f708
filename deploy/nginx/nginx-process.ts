import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The nginx binary from Debian (scripts/install-system-deps.sh installs it). */
export function nginxBinary(): string {
  for (const candidate of [process.env.NGINX_PATH, '/usr/sbin/nginx', '/usr/bin/nginx']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  throw new Error('nginx is not installed: run scripts/install-system-deps.sh');
}

export interface NginxProcess {
  prefix: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * A real nginx in the foreground with its own prefix folder (temp files, pid), serving `conf`.
 * Ready once `readyUrl` answers; its stderr is kept for failure messages.
 */
export async function startNginx(conf: string, readyUrl: string): Promise<NginxProcess> {
  const bin = nginxBinary();
  const prefix = await mkdtemp(join(tmpdir(), 'graminsta-nginx-'));
  const file = join(prefix, 'nginx.conf');
  await writeFile(file, conf);
  const globals = `daemon off; pid ${join(prefix, 'nginx.pid')}; error_log stderr;`;
  try {
    execFileSync(bin, ['-t', '-q', '-p', prefix, '-c', file, '-g', globals], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    await rm(prefix, { recursive: true, force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    throw new Error(`nginx refused the config:\n${stderr}\n${conf}`, { cause: err });
  }
  const child = spawn(bin, ['-p', prefix, '-c', file, '-g', globals], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
    await exited;
    await rm(prefix, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`nginx exited with ${child.exitCode}:\n${out}`);
    }
    const ok = await fetch(readyUrl).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i >= 300) {
      await stop();
      throw new Error(`nginx did not answer ${readyUrl}:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { prefix, child, output: () => out, stop };
}
