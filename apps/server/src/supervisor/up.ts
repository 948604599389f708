import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.ts';
import { GRAMINSTA_BIN, Supervised, waitReady, type ChildSpec } from './child.ts';
import { renderBalancer } from './nginx.ts';

export interface UpOptions {
  stage: number;
  port: number;
  api: number;
  web: number;
  dataDir: string;
  databaseUrl?: string;
  env: Record<string, string | undefined>;
  log?: (line: string) => void;
}

export interface Topology {
  stage: number;
  urls: { web: string; api: string };
  processes: { name: string; role: string; pid: number | null; port: number | null; restarts: number }[];
}

const HOST = '127.0.0.1';
const DEFAULT_DATABASE = 'postgres://postgres@127.0.0.1:5432/graminsta';
const STORAGE_INSTANCES = 2;

/** Asks through a balancer until `name` answers (any status: the instance names itself). */
async function waitServedBy(url: string, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(url).catch(() => null);
    await res?.arrayBuffer();
    if (res?.headers.get('x-served-by') === name) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the balancer did not send ${name} any work in ${timeoutMs / 1000} s`);
}

/** Creates the database on the server if it is missing (stage 2 and up). */
async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/**
 * A foreground supervisor for one stage's topology on loopback. It starts real components,
 * restarts app instances that die, writes $DATA_DIR/topology.json, and stops everything it
 * started on stop().
 */
export class StageSupervisor {
  readonly children: Supervised[] = [];
  urls = { web: '', api: '' };
  private readonly dataDir: string;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: UpOptions) {
    this.dataDir = resolve(opts.dataDir);
    this.log = opts.log ?? ((line) => console.log(line));
  }

  get topologyFile(): string {
    return join(this.dataDir, 'topology.json');
  }

  topology(): Topology {
    return {
      stage: this.opts.stage,
      urls: this.urls,
      processes: this.children.map((c) => ({
        name: c.spec.name,
        role: c.spec.role,
        pid: c.pid,
        port: c.spec.port,
        restarts: c.restarts,
      })),
    };
  }

  private writes: Promise<void> = Promise.resolve();

  // Written whole and renamed into place, one write at a time: a reader never sees half a file,
  // and an older snapshot never lands after a newer one.
  private writeTopology = (): void => {
    const snapshot = JSON.stringify(this.topology(), null, 2);
    const tmp = `${this.topologyFile}.tmp`;
    this.writes = this.writes
      .then(() => writeFile(tmp, snapshot))
      .then(() => rename(tmp, this.topologyFile))
      .catch(() => undefined);
  };

  private app(name: string, roles: string, port: number | null, env: Record<string, string | undefined>) {
    const spec: ChildSpec = {
      name,
      role: roles,
      command: process.execPath,
      args: [GRAMINSTA_BIN, 'start', '--roles', roles],
      env: {
        ...this.opts.env,
        DATA_DIR: this.dataDir,
        HOST,
        PORT: String(port ?? 0),
        INSTANCE_ID: name,
        LOG_LEVEL: this.opts.env.LOG_LEVEL ?? 'warn',
        ...env,
      },
      port,
      restart: true,
    };
    return this.add(spec);
  }

  private add(spec: ChildSpec): Supervised {
    const child = new Supervised(spec, this.writeTopology, this.log);
    this.children.push(child);
    child.start();
    return child;
  }

  async start(): Promise<Topology> {
    const { stage, port } = this.opts;
    if (stage < 1 || stage > 4) throw new Error(`stage ${stage} is not available yet (1–4)`);
    await mkdir(this.dataDir, { recursive: true });
    const databaseUrl = stage >= 2 ? (this.opts.databaseUrl ?? DEFAULT_DATABASE) : undefined;
    if (databaseUrl) await ensureDatabase(databaseUrl);
    const db: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl } : {};

    if (stage <= 2) {
      this.urls = { web: `http://${HOST}:${port}`, api: `http://${HOST}:${port}` };
      this.app('all-1', 'api,worker,realtime,storage,web', port, db);
    } else if (stage === 3) {
      this.urls = { web: `http://${HOST}:${port}`, api: `http://${HOST}:${port + 1}` };
      const apiEnv = {
        ...db,
        PUBLIC_API_URL: this.urls.api,
        PUBLIC_WEB_URL: this.urls.web,
        CORS_ORIGINS: this.urls.web,
      };
      this.app('api-1', 'api,worker,realtime,storage', port + 1, apiEnv);
      this.app('web-1', 'web', port, { PUBLIC_API_URL: this.urls.api });
    } else {
      await this.startStage4(db);
    }
    await Promise.all(
      this.children.filter((c) => c.spec.port).map((c) => waitReady(`http://${HOST}:${c.spec.port}/readyz`)),
    );
    this.writeTopology();
    return this.topology();
  }

  private async startStage4(db: Record<string, string>): Promise<void> {
    const { port } = this.opts;
    this.urls = { web: `http://${HOST}:${port}`, api: `http://${HOST}:${port + 1}` };
    // Behind the balancers every request comes from loopback: believe their X-Forwarded-For only,
    // so per-address limits count the real client.
    const shared = {
      ...db,
      PUBLIC_API_URL: this.urls.api,
      PUBLIC_WEB_URL: this.urls.web,
      TRUSTED_PROXIES: HOST,
    };
    const apiEnv = { ...shared, CORS_ORIGINS: this.urls.web, PUBLIC_STORAGE_URL: this.urls.api };
    const apiPorts: number[] = [];
    const webPorts: number[] = [];
    // One instance migrates first, so the others start on a ready schema.
    const first = await freePort();
    apiPorts.push(first);
    this.app('api-1', 'api,realtime', first, apiEnv);
    await waitReady(`http://${HOST}:${first}/readyz`);
    for (let i = 2; i <= this.opts.api; i++) {
      const p = await freePort();
      apiPorts.push(p);
      this.app(`api-${i}`, 'api,realtime', p, apiEnv);
    }
    for (let i = 1; i <= this.opts.web; i++) {
      const p = await freePort();
      webPorts.push(p);
      this.app(`web-${i}`, 'web', p, shared);
    }
    // Two storage instances on the one blob folder: uploads and downloads survive losing one.
    const storagePorts: number[] = [];
    for (let i = 1; i <= STORAGE_INSTANCES; i++) {
      const p = await freePort();
      storagePorts.push(p);
      this.app(`storage-${i}`, 'storage', p, apiEnv);
    }
    this.app('worker-1', 'worker', await freePort(), apiEnv);
    await Promise.all(
      [...apiPorts, ...webPorts, ...storagePorts].map((p) => waitReady(`http://${HOST}:${p}/readyz`)),
    );
    await this.balancer(
      'lb-api',
      port + 1,
      apiPorts,
      storagePorts.map((p) => `${HOST}:${p}`),
    );
    await this.balancer('lb-web', port, webPorts);
  }

  private async balancer(
    name: string,
    listenPort: number,
    ports: number[],
    storage?: string[],
  ): Promise<void> {
    const prefix = join(this.dataDir, 'nginx', name);
    await mkdir(prefix, { recursive: true });
    const conf = renderBalancer({
      prefix,
      listenHost: HOST,
      listenPort,
      upstreams: ports.map((p) => `${HOST}:${p}`),
      storage,
      websockets: !!storage,
    });
    await writeFile(join(prefix, 'nginx.conf'), conf);
    this.add({
      name,
      role: 'balancer',
      command: process.env.NGINX_BIN ?? '/usr/sbin/nginx',
      args: ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
      env: process.env,
      port: listenPort,
      restart: false,
    });
    await waitReady(`http://${HOST}:${listenPort}/healthz`);
  }

  private rolling: Promise<void> | null = null;
  private stopped = false;

  /**
   * Restarts every app instance (to pick up new code or configuration), one at a time, each
   * with a graceful drain. An instance behind a balancer is followed by the next only once the
   * balancer sends it work again: nginx keeps an instance that refused a connection out for
   * fail_timeout, and stopping its twin inside that window would leave the tier empty. An
   * instance with no twin (the worker; every process of stages 1–3) is away while it restarts.
   * A second call while one runs joins it.
   */
  rollingRestart(): Promise<void> {
    this.rolling ??= (async () => {
      try {
        for (const child of this.children.filter((c) => c.spec.restart)) {
          if (this.stopped) return;
          this.log(`[up] restarting ${child.spec.name}`);
          await child.restart();
          if (this.stopped) return;
          if (child.spec.port) await waitReady(`http://${HOST}:${child.spec.port}/readyz`);
          const via = this.balancedBy(child);
          if (via) await waitServedBy(via, child.spec.name);
        }
        this.log('[up] rolling restart done');
      } finally {
        this.rolling = null;
      }
    })();
    return this.rolling;
  }

  /** A URL through the balancer that reaches `child`'s tier, when it has twins behind one. */
  private balancedBy(child: Supervised): string | null {
    if (this.opts.stage < 4) return null;
    const twins = this.children.filter((c) => c.spec.role === child.spec.role).length;
    if (twins < 2) return null;
    if (child.spec.role === 'web') return `${this.urls.web}/healthz`;
    if (child.spec.role === 'storage') return `${this.urls.api}/storage/`;
    return `${this.urls.api}/healthz`;
  }

  /** Stops balancers first (no new traffic), then app instances with a graceful drain. */
  async stop(): Promise<void> {
    this.stopped = true;
    const balancers = this.children.filter((c) => c.spec.role === 'balancer');
    const apps = this.children.filter((c) => c.spec.role !== 'balancer');
    await Promise.all(balancers.map((c) => c.stop('SIGQUIT', 10_000)));
    await Promise.all(apps.map((c) => c.stop('SIGTERM', 30_000)));
  }
}
