import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProcess } from './child.ts';
import { waitReady } from './ready.ts';

/**
 * The first lines of every http block rendered here: temporary folders relative to nginx's
 * prefix folder (each run's own), no access log, no version in answers.
 */
export const HTTP_PRELUDE = `  access_log off;
  client_body_temp_path client_body;
  proxy_temp_path proxy;
  fastcgi_temp_path fastcgi;
  uwsgi_temp_path uwsgi;
  scgi_temp_path scgi;
  server_tokens off;`;

/**
 * nginx's connection counters for prometheus-nginx-exporter (`graminsta up --monitor`): loopback
 * only, where the exporter runs; anyone else gets 403 and the location is never proxied.
 */
export const NGINX_STATUS_PATH = '/nginx_status';
export const NGINX_STATUS_LOCATION = `
    location = ${NGINX_STATUS_PATH} {
      stub_status;
      allow 127.0.0.1;
      deny all;
    }`;

/** The nginx binary: NGINX_BIN, or Debian's (scripts/install-system-deps.sh installs it); undefined when none. */
export function findNginx(): string | undefined {
  return [process.env.NGINX_BIN, '/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => p && existsSync(p));
}

export function nginxBinary(): string {
  const found = findNginx();
  if (!found)
    throw new Error('nginx is not installed (or set NGINX_BIN): run scripts/install-system-deps.sh');
  return found;
}

/**
 * The arguments that run nginx in the foreground on `prefix`/nginx.conf. The pid file and the
 * error log are set here rather than in the config, as containers run it (deploy/nginx/web.conf).
 */
export function nginxArgs(prefix: string, errorLog = 'stderr'): string[] {
  const globals = `daemon off; pid ${join(prefix, 'nginx.pid')}; error_log ${errorLog};`;
  return ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', globals];
}

/** Writes `conf` as `prefix`/nginx.conf and has nginx check it; the error says what nginx refused. */
export async function writeNginxConf(prefix: string, conf: string): Promise<void> {
  await writeFile(join(prefix, 'nginx.conf'), conf);
  try {
    execFileSync(nginxBinary(), ['-t', '-q', ...nginxArgs(prefix)], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    throw new Error(`nginx refused the config:\n${stderr}\n${conf}`, { cause: err });
  }
}

export interface NginxProcess {
  prefix: string;
  child: ChildProcess;
  output: () => string;
  /** SIGQUIT: nginx finishes the requests in flight, then exits. */
  stop(): Promise<void>;
}

/**
 * A real nginx in the foreground with its own prefix folder (temp files, pid), serving `conf`.
 * Ready once `readyUrl` answers; its stderr is kept for failure messages.
 */
export async function startNginx(conf: string, readyUrl: string): Promise<NginxProcess> {
  const prefix = await mkdtemp(join(tmpdir(), 'graminsta-nginx-'));
  try {
    await writeNginxConf(prefix, conf);
  } catch (err) {
    await rm(prefix, { recursive: true, force: true });
    throw err;
  }
  const child = spawn(nginxBinary(), nginxArgs(prefix), { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    await stopProcess(child, exited, 'SIGQUIT', 10_000);
    await rm(prefix, { recursive: true, force: true });
  };
  const died = exited.then(() => {
    throw new Error(`nginx exited with ${child.exitCode}:\n${out}`);
  });
  try {
    await Promise.race([waitReady(readyUrl, 30_000), died]);
  } catch (err) {
    await stop();
    throw new Error(`nginx did not answer ${readyUrl}:\n${out}`, { cause: err });
  }
  return { prefix, child, output: () => out, stop };
}
