import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './redis-server.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A three-master Redis Cluster of a test's own (no replicas), on free ports. */
export class OwnRedisCluster {
  private constructor(
    readonly ports: number[],
    private readonly children: ChildProcess[],
    private readonly dir: string,
  ) {}

  get nodes(): string[] {
    return this.ports.map((port) => `127.0.0.1:${port}`);
  }

  static async start(): Promise<OwnRedisCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'graminsta-cluster-'));
    const ports: number[] = [];
    while (ports.length < 3) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    const children = ports.map((port) => {
      const child = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
          ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--dir', dir],
        ],
        { stdio: 'ignore' },
      );
      child.on('error', () => {});
      return child;
    });
    const cluster = new OwnRedisCluster(ports, children, dir);
    try {
      for (const port of ports) await waitForPing(port);
      await run('redis-cli', [
        '--cluster',
        'create',
        ...cluster.nodes,
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      for (const port of ports) await waitForClusterOk(port);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }),
    );
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function waitForPing(port: number): Promise<void> {
  await until(port, async (redis) => (await redis.ping()) === 'PONG');
}

async function waitForClusterOk(port: number): Promise<void> {
  await until(port, async (redis) => String(await redis.cluster('INFO')).includes('cluster_state:ok'));
}

async function until(port: number, check: (redis: Redis) => Promise<boolean>): Promise<void> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50 });
  redis.on('error', () => {});
  try {
    for (let i = 0; i < 400; i++) {
      if (await check(redis).catch(() => false)) return;
      await sleep(25);
    }
    throw new Error(`redis on ${port} never got ready`);
  } finally {
    redis.disconnect();
  }
}
