import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { findNginx } from '@graminsta/topology';

/**
 * Hosts in Linux network namespaces for end-to-end tests (root only): each namespace is joined to
 * the test's own network by a veth pair, so an instance inside it is reachable only through that
 * link and can be cut off by taking the link down.
 */
const exec = promisify(execFile);

/** Environment marker on every process a netns test starts, naming the test's pid. */
export const NETNS_MARKER = 'GRAMINSTA_NETNS_TEST';

export const IP_BIN = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p));

/** Why network-namespace tests cannot run on this machine, or null when they can. */
export function netnsMissing(): string | null {
  if (process.getuid?.() !== 0) return 'they need root';
  if (IP_BIN === undefined) return 'no `ip` command (iproute2)';
  if (findNginx() === undefined) return 'no nginx (NGINX_BIN, /usr/sbin/nginx or /usr/bin/nginx)';
  return null;
}

/**
 * In CI and under `npm test` (scripts/test.sh sets GRAMINSTA_FULL_SUITE) a missing prerequisite
 * fails the run: a silent skip would look like a pass. Only GRAMINSTA_SKIP_NETNS=1 allows a skip.
 */
export function netnsMustRun(): boolean {
  if (process.env.GRAMINSTA_SKIP_NETNS === '1') return false;
  return Boolean(process.env.CI) || process.env.GRAMINSTA_FULL_SUITE === '1';
}

export async function ip(...args: string[]): Promise<string> {
  const { stdout } = await exec(IP_BIN!, args);
  return stdout;
}

export interface NetnsHost {
  ns: string;
  /** The host's end of the link (where forwarders listen) and the namespace's address. */
  hostAddr: string;
  nsAddr: string;
  /** Takes the namespace's end of the link down: nothing in or out, no route leaks elsewhere. */
  cut(): Promise<void>;
  restore(): Promise<void>;
}

/** A namespace `name` with a /30 link to the host: 10.213.<subnet>.1 here, .2 inside. */
export async function createNetnsHost(name: string, subnet: number): Promise<NetnsHost> {
  const hostIf = `${name}h`;
  const nsIf = `${name}n`;
  const hostAddr = `10.213.${subnet}.1`;
  const nsAddr = `10.213.${subnet}.2`;
  await ip('netns', 'add', name);
  await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', name);
  await ip('addr', 'add', `${hostAddr}/30`, 'dev', hostIf);
  await ip('link', 'set', hostIf, 'up');
  const inNs = (...args: string[]) => ip('netns', 'exec', name, IP_BIN!, ...args);
  await inNs('addr', 'add', `${nsAddr}/30`, 'dev', nsIf);
  await inNs('link', 'set', nsIf, 'up');
  await inNs('link', 'set', 'lo', 'up');
  return {
    ns: name,
    hostAddr,
    nsAddr,
    cut: async () => void (await inNs('link', 'set', nsIf, 'down')),
    restore: async () => void (await inNs('link', 'set', nsIf, 'up')),
  };
}

async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes carrying NETNS_MARKER whose test process is gone (left by a crashed run). */
async function orphanPids(): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    const mark = environ.split('\0').find((v) => v.startsWith(`${NETNS_MARKER}=`));
    const owner = Number(mark?.slice(NETNS_MARKER.length + 1));
    if (mark && owner !== process.pid && !(await alive(owner))) found.push(pid);
  }
  return found;
}

/** Removes namespaces, links and marked processes left by earlier runs under `prefix`. */
export async function removeLeftovers(prefix: string): Promise<void> {
  for (const pid of await orphanPids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const names = (await ip('netns', 'list')).split('\n').map((l) => l.split(' ')[0] ?? '');
  for (const ns of names.filter((n) => n.startsWith(prefix))) {
    const pids = (await ip('netns', 'pids', ns).catch(() => '')).split('\n').filter(Boolean);
    for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
    await ip('netns', 'del', ns).catch(() => undefined);
  }
  const links = (await ip('-o', 'link', 'show')).split('\n');
  for (const line of links) {
    const link = /^\d+: ([^:@]+)/.exec(line)?.[1];
    if (link?.startsWith(prefix)) await ip('link', 'del', link).catch(() => undefined);
  }
}

/** Deletes the namespaces (which deletes their veth pairs) and any host end still there. */
export async function destroyNetnsHosts(names: string[]): Promise<void> {
  for (const name of names) {
    await ip('netns', 'del', name).catch(() => undefined);
    await ip('link', 'del', `${name}h`).catch(() => undefined);
  }
}

export interface Forwarder {
  port: number;
  close(): Promise<void>;
}

/** A TCP relay on host:0 to a loopback-only service (PostgreSQL), for hosts in namespaces. */
export async function startForwarder(host: string, targetPort: number): Promise<Forwarder> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
