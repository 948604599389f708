import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { ConfigError, DataDirInUseError, lockDataDir, type DataDirLock } from '@graminsta/platform';
import {
  basebackupReplica,
  freePort,
  frontPort,
  frontUrls,
  initPrimaryCluster,
  instanceNames,
  makeClusterHome,
  nginxArgs,
  nginxBinary,
  portIsFree,
  postgresServerCommand,
  redisServerArgs,
  redisServerBinary,
  renderBalancer,
  renderEdge,
  settingsEnv,
  stageTopology,
  waitForPostgres,
  waitReady,
  waitRedisReady,
  writeNginxConf,
  type Balancer,
  type Front,
  type FrontUrls,
  type ProcessGroup,
  type Scale,
  type StageAddresses,
  type StageTopology,
} from '@graminsta/topology';
import { GRAMINSTA_BIN } from '../graminsta-bin.ts';
import { Supervised, type ChildSpec } from './child.ts';
import { Monitor, MONITOR_ROLES } from './monitor.ts';
import { Autoscaler, DEFAULT_INTERVAL_MS, type ScaledTier } from './autoscale.ts';
import { thresholdsFromEnv, type Bounds, type ScheduleWindow } from './autoscale-policy.ts';

export interface UpOptions {
  stage: number;
  port: number;
  /** Instances of the groups that scale (the API and web tiers from stage 4, workers at 5). */
  scale: Record<Scale, number>;
  /** Tiers given a range (`--api 1..4`): autoscaled between the bounds, starting at `scale`. */
  bounds?: Partial<Record<Scale, Bounds>>;
  /** `--schedule` windows that raise a ranged tier's minimum. */
  schedule?: ScheduleWindow[];
  dataDir: string;
  databaseUrl?: string;
  /** Stage 6: the operator's replicas (comma-separated); with `databaseUrl`, no cluster of our own. */
  replicaUrls?: string;
  /** Stage 6: the own replica's recovery_min_apply_delay (0: none), for tests and benchmarks. */
  replicaDelayMs?: number;
  env: Record<string, string | undefined>;
  log?: (line: string) => void;
  /** `--monitor`: a Prometheus of its own and the exporters (supervisor/monitor.ts). */
  monitor?: boolean;
}

/** What `graminsta up` writes to $DATA_DIR/topology.json: the processes running right now. */
export interface TopologySnapshot {
  stage: number;
  /** With `--monitor`, also `prometheus`. */
  urls: FrontUrls & { prometheus?: string };
  /** Stage 6: the Redis the stage's processes share (loopback, no password). */
  redisUrl?: string;
  /**
   * Stage 6: the database the API reads and writes, and its replicas. `home` is set when they are
   * the supervisor's own clusters (kept there for the next `up`; `removeCluster` on each folder
   * deletes them).
   */
  postgres?: {
    primaryUrl: string;
    replicaUrls: string[];
    own?: { home: string; primary: string; replica: string };
  };
  processes: { name: string; role: string; pid: number | null; port: number | null; restarts: number }[];
}

const HOST = '127.0.0.1';
const readyz = (port: number, path = '/readyz') => `http://${HOST}:${port}${path}`;
// s3rver's one account: it checks the key id, not the (v4) signature. A real store's keys come
// from the environment (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY) and never from here.
const LOCAL_STORE_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const DEFAULT_DATABASE = 'postgres://postgres@127.0.0.1:5432/graminsta';
const OWN_DATABASE = 'graminsta';

/** `$DATA_DIR/postgres.json`: where the own clusters live, and their ports (the replica follows the primary's). */
interface OwnClusters {
  home: string;
  primaryPort: number;
  replicaPort: number;
}

/** `url` with another database name. */
function onDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

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
  urls: FrontUrls = { web: '', api: '' };
  redisUrl: string | undefined;
  postgres: TopologySnapshot['postgres'];
  /** `--monitor`'s Prometheus and exporters; `reload()` after the instances change. */
  monitor: Monitor | null = null;
  private readonly dataDir: string;
  private readonly shape: StageTopology;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: UpOptions) {
    this.shape = stageTopology(opts.stage);
    this.dataDir = resolve(opts.dataDir);
    this.log = opts.log ?? ((line) => console.log(line));
  }

  get topologyFile(): string {
    return join(this.dataDir, 'topology.json');
  }

  topology(): TopologySnapshot {
    return {
      stage: this.opts.stage,
      urls: this.monitor ? { ...this.urls, prometheus: this.monitor.url } : this.urls,
      ...(this.redisUrl ? { redisUrl: this.redisUrl } : {}),
      ...(this.postgres ? { postgres: this.postgres } : {}),
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

  private app(name: string, group: ProcessGroup, port: number, env: Record<string, string>) {
    const roles = group.roles.join(',');
    const spec: ChildSpec = {
      name,
      role: roles,
      group: group.name,
      command: process.execPath,
      args: [GRAMINSTA_BIN, 'start', '--roles', roles],
      env: {
        ...this.opts.env,
        DATA_DIR: this.dataDir,
        HOST,
        PORT: String(port),
        INSTANCE_ID: name,
        LOG_LEVEL: this.opts.env.LOG_LEVEL ?? 'warn',
        ...(this.monitor && group.roles.includes('api') ? { PROMETHEUS_URL: this.monitor.url } : {}),
        ...env,
      },
      port,
      restart: true,
    };
    return this.add(spec);
  }

  private add(spec: ChildSpec, log = this.log): Supervised {
    const child = new Supervised(spec, this.writeTopology, log);
    this.children.push(child);
    child.start();
    return child;
  }

  private lock: DataDirLock | null = null;

  /**
   * Refuses to start beside another `up` on the same DATA_DIR (its topology.json, nginx pid files
   * and clusters are this folder's) or on fronts something else listens on: otherwise this stage's
   * balancers fail to bind, and the readiness checks are answered by the other's.
   */
  private async claim(urls: FrontUrls): Promise<void> {
    try {
      // Beside the app's own lock (DATA_DIR.lock, taken by a stage-1 instance): DATA_DIR/up.lock.
      this.lock = lockDataDir(join(this.dataDir, 'up'));
    } catch (err) {
      if (!(err instanceof DataDirInUseError)) throw err;
      throw new ConfigError(
        `${this.dataDir} is in use by another \`graminsta up\`: pid ${err.holder.pid}` +
          `${err.holder.url ? `, web ${err.holder.url}` : ''}. Stop it first, or give this one its own DATA_DIR and --port.`,
      );
    }
    for (const [front, url] of Object.entries(urls)) {
      const port = Number(new URL(url).port);
      if (!(await portIsFree(port)))
        throw new ConfigError(
          `port ${port} (${front}) is already in use on ${HOST}: another \`graminsta up\` or server? Stop it, or choose other ports with --port.`,
        );
    }
    this.lock.announce({ url: urls.web });
  }

  /** Starts the stage's groups, then its balancers, as its topology declares them. */
  async start(): Promise<TopologySnapshot> {
    const { shape } = this;
    await mkdir(this.dataDir, { recursive: true });
    this.urls = frontUrls(shape, HOST, this.opts.port);
    await this.claim(this.urls);
    const at: StageAddresses = { host: HOST, urls: this.urls };
    this.addresses = at;
    const purgePort = shape.edge ? await freePort() : null;
    if (this.opts.monitor) this.monitor = await this.makeMonitor();
    if (shape.redis) at.redisUrl = this.redisUrl = await this.redis(shape.redis.name);
    if (shape.postgres) {
      this.postgres = await this.databases(shape.postgres);
      at.databaseUrl = this.postgres.primaryUrl;
      at.replicaUrls = this.postgres.replicaUrls;
    } else if (shape.database) {
      at.databaseUrl = this.opts.databaseUrl ?? DEFAULT_DATABASE;
      await ensureDatabase(at.databaseUrl);
    }
    if (shape.objectStore) {
      at.objectStore = { bucket: this.opts.env.S3_BUCKET ?? 'graminsta', ...LOCAL_STORE_KEYS };
      if (purgePort) at.purgeUrl = `http://${HOST}:${purgePort}`;
      await this.objectStore(shape.objectStore.name, at.objectStore.bucket);
    }
    for (const group of shape.groups) {
      const slots = await this.reserveSlots(group);
      for (const [i, name] of instanceNames(group, this.opts.scale).entries()) {
        const port =
          slots?.[i] ?? (group.listen === 'free' ? await freePort() : this.frontPort(group.listen));
        this.app(name, group, port, settingsEnv(group, at));
        if (shape.firstStartsAlone && this.children.length === 1) await waitReady(readyz(port));
      }
    }
    await this.waitAllReady();
    for (const balancer of shape.balancers) await this.balancer(balancer);
    if (shape.edge && at.objectStore && purgePort)
      await this.edge(shape.edge.name, at.objectStore.bucket, purgePort);
    await this.waitAllReady();
    await this.monitor?.start(at);
    this.writeTopology();
    this.startAutoscaler();
    return this.topology();
  }

  private makeMonitor(): Promise<Monitor> {
    const { stage } = this.opts;
    const [shape, dataDir, log] = [this.shape, this.dataDir, this.log];
    const add = (spec: ChildSpec, childLog?: (line: string) => void) => this.add(spec, childLog);
    return Monitor.create({ stage, shape, host: HOST, dataDir, log, add, children: () => this.children });
  }

  private addresses: StageAddresses | undefined;
  private autoscaler: Autoscaler | null = null;
  /** One membership change at a time: the autoscaler's, and never during stop(). */
  private changing: Promise<unknown> = Promise.resolve();

  private startAutoscaler(): void {
    const tiers: ScaledTier[] = [];
    for (const group of this.shape.groups) {
      if (typeof group.instances === 'number') continue;
      const bounds = this.opts.bounds?.[group.instances.scale];
      if (bounds && bounds.max > bounds.min)
        tiers.push({ tier: group.instances.scale, group: group.name, bounds });
    }
    if (tiers.length === 0) return;
    const env = this.opts.env;
    const interval = Number(env.AUTOSCALE_INTERVAL_MS);
    this.autoscaler = new Autoscaler(
      {
        instances: (group) =>
          this.children
            .filter((c) => c.spec.group === group)
            .map((c) => ({ name: c.spec.name, pid: c.pid, port: c.spec.port })),
        grow: (group) => this.serially(() => this.grow(group)),
        shrink: (group) => this.serially(() => this.shrink(group)),
        log: this.log,
      },
      {
        dataDir: this.dataDir,
        tiers,
        schedule: this.opts.schedule ?? [],
        thresholds: thresholdsFromEnv(env),
        intervalMs: Number.isFinite(interval) && interval >= 100 ? interval : DEFAULT_INTERVAL_MS,
        trace: env.AUTOSCALE_TRACE === '1',
      },
    );
    this.autoscaler.start();
    this.log(
      `[up] autoscaling ${tiers.map((t) => `${t.group} ${t.bounds.min}..${t.bounds.max}`).join(', ')}`,
    );
  }

  private serially<T>(change: () => Promise<T>): Promise<T> {
    const next = this.changing.then(change);
    this.changing = next.catch(() => undefined);
    return next;
  }

  /**
   * Called after every change of the running processes (an instance added or removed): rewrites
   * topology.json, and with --monitor Prometheus's targets (its configuration, then a reload).
   */
  membershipChanged(): void {
    this.writeTopology();
    this.monitor
      ?.reload()
      .catch((err: unknown) => this.log(`[up] could not reload Prometheus's targets: ${String(err)}`));
  }

  /**
   * An autoscaled group's ports, one per instance it may reach, chosen before its balancer is
   * written: the balancer lists every slot from the start, so growing and shrinking never reload
   * nginx. (A reload closes the old workers' idle keep-alive connections, and a client that sent
   * a request on one at that moment gets no answer.) A slot with no instance refuses connections:
   * nginx skips it for fail_timeout and sends the request on (nothing was sent, so even a POST).
   */
  private readonly slots = new Map<string, number[]>();

  private async reserveSlots(group: ProcessGroup): Promise<number[] | undefined> {
    if (typeof group.instances === 'number' || group.listen !== 'free') return undefined;
    const bounds = this.opts.bounds?.[group.instances.scale];
    if (!bounds || bounds.max <= bounds.min) return undefined;
    const ports: number[] = [];
    while (ports.length < bounds.max) {
      const port = await freePort();
      // Not one of the stage's fronts (free until their nginx starts, after the instances).
      const front = port >= this.opts.port && port <= this.opts.port + 3;
      if (!ports.includes(port) && !front) ports.push(port);
    }
    this.slots.set(group.name, ports);
    return ports;
  }

  /** One more instance of `group`, on its first free slot, once it answers /readyz. */
  private async grow(groupName: string): Promise<string> {
    const group = this.shape.groups.find((g) => g.name === groupName);
    const slots = this.slots.get(groupName) ?? [];
    const used = new Set(this.children.filter((c) => c.spec.group === groupName).map((c) => c.spec.port));
    const i = slots.findIndex((port) => !used.has(port));
    if (!group || !this.addresses || this.stopped || i < 0) throw new Error(`cannot grow ${groupName}`);
    const name = `${groupName}-${i + 1}`;
    const child = this.app(name, group, slots[i]!, settingsEnv(group, this.addresses));
    try {
      await waitReady(readyz(slots[i]!));
    } catch (err) {
      await this.forget(child);
      throw err;
    }
    this.membershipChanged();
    return name;
  }

  /**
   * One instance of `group` fewer, the one on the highest slot: SIGTERM, and it drains as in a
   * rolling restart (finishes what it holds, refuses new connections, which nginx sends on).
   */
  private async shrink(groupName: string): Promise<string> {
    const slots = this.slots.get(groupName) ?? [];
    const members = this.children.filter((c) => c.spec.group === groupName);
    const slot = (c: Supervised) => slots.indexOf(c.spec.port ?? -1);
    const child = members.sort((a, b) => slot(a) - slot(b)).at(-1);
    if (!child || members.length < 2 || this.stopped) throw new Error(`cannot shrink ${groupName}`);
    await this.forget(child);
    this.membershipChanged();
    return child.spec.name;
  }

  private async forget(child: Supervised): Promise<void> {
    await child.stop('SIGTERM', 30_000);
    const i = this.children.indexOf(child);
    if (i >= 0) this.children.splice(i, 1);
  }

  private frontPort(front: Front): number {
    return frontPort(this.shape, front, this.opts.port);
  }

  private waitAllReady(): Promise<void[]> {
    return Promise.all(
      this.children
        .filter((c) => c.spec.port)
        .map((c) =>
          c.spec.ready === 'redis'
            ? waitRedisReady(HOST, c.spec.port!)
            : c.spec.ready === 'postgres'
              ? waitForPostgres(`postgres://postgres@${HOST}:${c.spec.port}/postgres`)
              : waitReady(readyz(c.spec.port!, c.spec.readyPath)),
        ),
    );
  }

  /**
   * Stage 6's Redis: our own redis-server on a free loopback port, restarted with the same port if
   * it dies. It keeps an append-only file in $DATA_DIR/redis (BullMQ's jobs; the cache and
   * timelines expire and are the only keys evicted), so jobs survive its restart. Returns
   * its URL, which has no password: it listens on loopback only, like the stage's database.
   */
  private async redis(name: string): Promise<string> {
    const port = await freePort();
    const dir = join(this.dataDir, name);
    await mkdir(dir, { recursive: true });
    this.add({
      name,
      role: 'redis',
      group: name,
      command: redisServerBinary(),
      // BullMQ's jobs live here at stage 6: an operator expects them to survive a Redis restart.
      args: redisServerArgs({ host: HOST, port, dir, appendOnly: true }),
      env: process.env,
      port,
      ready: 'redis',
      ownGroup: true,
      restart: true,
    });
    await waitRedisReady(HOST, port);
    return `redis://${HOST}:${port}`;
  }

  /**
   * Stage 6's database: the operator's primary (DATABASE_URL), with the replicas of
   * DATABASE_REPLICA_URLS if any; without DATABASE_URL, a PostgreSQL primary and one streaming replica of
   * our own (the machine's cluster may not allow replication, and is not ours to reconfigure).
   * Their folders live in a cluster home the postgres user owns, named in $DATA_DIR/postgres.json:
   * made once (initdb, then pg_basebackup), reused by the next `up` on the same data folder.
   */
  private async databases(names: {
    primary: string;
    replica: string;
  }): Promise<NonNullable<TopologySnapshot['postgres']>> {
    const given = (this.opts.replicaUrls ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    if (this.opts.databaseUrl) {
      // The operator's database is never swapped for an empty one of ours: without replicas
      // given, it runs without any (the cache benchmark, a stage-5 database moving up).
      await ensureDatabase(this.opts.databaseUrl);
      if (given.length === 0)
        this.log(
          '[up] stage 6 on the given DATABASE_URL without a read replica (set DATABASE_REPLICA_URLS ' +
            'too, or leave DATABASE_URL unset for a primary and a streaming replica of its own)',
        );
      return { primaryUrl: this.opts.databaseUrl, replicaUrls: given };
    }
    if (given.length > 0)
      this.log('[up] DATABASE_REPLICA_URLS without DATABASE_URL: running a primary and replica of its own');
    const state = join(this.dataDir, 'postgres.json');
    let own: OwnClusters | null = existsSync(state)
      ? (JSON.parse(await readFile(state, 'utf8')) as OwnClusters)
      : null;
    if (own && !existsSync(join(own.home, 'primary', 'PG_VERSION'))) own = null;
    if (!own) {
      own = {
        home: await makeClusterHome('graminsta-stage6-pg-'),
        primaryPort: await freePort(),
        replicaPort: await freePort(),
      };
      await writeFile(state, JSON.stringify(own, null, 2));
    }
    const primary = { dir: join(own.home, 'primary'), port: own.primaryPort };
    const replica = { dir: join(own.home, 'replica'), port: own.replicaPort };
    if (!existsSync(join(primary.dir, 'PG_VERSION'))) {
      this.log(`[up] creating the PostgreSQL primary in ${primary.dir}`);
      await initPrimaryCluster(primary);
    }
    const primaryUrl = await this.postgresServer(names.primary, primary);
    const databaseUrl = onDatabase(primaryUrl, OWN_DATABASE);
    await ensureDatabase(databaseUrl);
    if (!existsSync(join(replica.dir, 'PG_VERSION'))) {
      this.log(`[up] making the streaming replica in ${replica.dir} (pg_basebackup)`);
      await basebackupReplica({ primaryUrl, ...replica });
    }
    const replicaUrl = await this.postgresServer(names.replica, replica, this.opts.replicaDelayMs ?? 0);
    return {
      primaryUrl: databaseUrl,
      replicaUrls: [onDatabase(replicaUrl, OWN_DATABASE)],
      own: { home: own.home, primary: primary.dir, replica: replica.dir },
    };
  }

  /**
   * One of our PostgreSQL servers, supervised like Redis: in the foreground (as the postgres user
   * when root), in a process group of its own, restarted on the same port when it dies, stopped
   * with a fast shutdown (SIGINT) after the instances. A replica's apply delay is given on the
   * command line, so a reused replica takes this run's `--replica-delay-ms`.
   */
  private async postgresServer(
    name: string,
    cluster: { dir: string; port: number },
    applyDelayMs?: number,
  ): Promise<string> {
    const { command, args } = postgresServerCommand(cluster);
    const delay = applyDelayMs === undefined ? [] : ['-c', `recovery_min_apply_delay=${applyDelayMs}ms`];
    this.add({
      name,
      role: 'postgres',
      group: name,
      command,
      // pg_stat_statements: `graminsta queries` reads where the database's time goes.
      args: [...args, ...delay, '-c', 'shared_preload_libraries=pg_stat_statements'],
      env: process.env,
      port: cluster.port,
      ready: 'postgres',
      ownGroup: true,
      restart: true,
    });
    const url = `postgres://postgres@${HOST}:${cluster.port}/postgres`;
    await waitForPostgres(url, 120_000);
    return url;
  }

  /** Stage 5's object store (`graminsta object-store`), its objects in the up's folder. */
  private async objectStore(name: string, bucket: string): Promise<void> {
    const port = this.frontPort('store');
    this.add({
      name,
      role: 'object-store',
      group: name,
      command: process.execPath,
      args: [GRAMINSTA_BIN, 'object-store'],
      env: {
        ...this.opts.env,
        DATA_DIR: this.dataDir,
        HOST,
        PORT: String(port),
        S3_BUCKET: bucket,
        // Browsers on the web client's page send their uploads here.
        CORS_ORIGINS: this.urls.web,
        // Stage 6: unused by the store, but CACHE=redis in the environment requires it.
        ...(this.redisUrl ? { REDIS_URL: this.redisUrl } : {}),
      },
      port,
      readyPath: `/${bucket}?max-keys=0`,
      // Like Redis: Ctrl-C reaches the supervisor only, which stops the store after the instances.
      ownGroup: true,
      restart: true,
    });
    await waitReady(readyz(port, `/${bucket}?max-keys=0`));
  }

  /** Stage 5's edge: nginx caching the object store's public keys on the cdn front. */
  private async edge(name: string, bucket: string, purgePort: number): Promise<void> {
    const prefix = join(this.dataDir, 'nginx', name);
    await mkdir(prefix, { recursive: true });
    const listenPort = this.frontPort('cdn');
    const conf = renderEdge({
      listenHost: HOST,
      listenPort,
      origin: `${HOST}:${this.frontPort('store')}`,
      bucket,
      purgeHost: HOST,
      purgePort,
      // Every process of the stage runs on this machine: loopback alone may purge.
      purgeAllow: ['127.0.0.1'],
      // With --monitor, one syslog line per object request for the edge's cache exporter.
      cacheLog: this.monitor?.edgeLogPort ? { host: HOST, port: this.monitor.edgeLogPort } : undefined,
    });
    await writeNginxConf(prefix, conf);
    this.add({
      name,
      role: 'edge',
      group: name,
      command: nginxBinary(),
      args: nginxArgs(prefix, `${join(prefix, 'error.log')} warn`),
      env: process.env,
      port: listenPort,
      readyPath: '/healthz',
      restart: false,
    });
    await waitReady(`http://${HOST}:${listenPort}/healthz`);
  }

  private groupAddresses(group: string): string[] {
    const slots = this.slots.get(group);
    if (slots) return slots.map((port) => `${HOST}:${port}`);
    return this.children.filter((c) => c.spec.group === group).map((c) => `${HOST}:${c.spec.port}`);
  }

  private balancerConf(b: Balancer): string {
    return renderBalancer({
      listenHost: HOST,
      listenPort: this.frontPort(b.listen),
      upstreams: this.groupAddresses(b.upstream),
      storage: b.storage ? this.groupAddresses(b.storage) : undefined,
      websockets: b.websockets,
      websocketsUpstreams: b.websocketsUpstream ? this.groupAddresses(b.websocketsUpstream) : undefined,
    });
  }

  private async balancer(b: Balancer): Promise<void> {
    const prefix = join(this.dataDir, 'nginx', b.name);
    await mkdir(prefix, { recursive: true });
    const listenPort = this.frontPort(b.listen);
    await writeNginxConf(prefix, this.balancerConf(b));
    this.add({
      name: b.name,
      role: 'balancer',
      group: b.name,
      command: nginxBinary(),
      args: nginxArgs(prefix, `${join(prefix, 'error.log')} warn`),
      env: process.env,
      port: listenPort,
      readyPath: '/healthz',
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
        // The object store is not ours to roll: uploads in flight would fail while it is away.
        // Nor is Redis: it has no new code to pick up, and a restart empties the cache.
        // Nor the databases: their data folder is all they have, and instances would lose connections.
        const kept = new Set(['object-store', 'redis', 'postgres', ...MONITOR_ROLES]);
        const rolled = (c: Supervised) => !kept.has(c.spec.role);
        for (const child of this.children.filter((c) => c.spec.restart && rolled(c))) {
          if (this.stopped) return;
          this.log(`[up] restarting ${child.spec.name}`);
          await child.restart();
          if (this.stopped) return;
          if (child.spec.port) await waitReady(readyz(child.spec.port));
          const via = this.balancedBy(child);
          if (via) await waitServedBy(via, child.spec.name);
          // A realtime twin: no plain request through the front reaches it, so wait out nginx's
          // fail_timeout (3 s, balancer.ts) before its twin goes, or /ws would find neither.
          else if (this.shape.balancers.some((b) => b.websocketsUpstream === child.spec.group))
            await new Promise((r) => setTimeout(r, 3_500));
        }
        this.log('[up] rolling restart done');
      } finally {
        this.rolling = null;
      }
    })();
    return this.rolling;
  }

  /** A URL through the balancer that reaches `child`'s group, when it has twins behind one. */
  private balancedBy(child: Supervised): string | null {
    const { group } = child.spec;
    if (this.children.filter((c) => c.spec.group === group).length < 2) return null;
    const via = this.shape.balancers.find((b) => b.upstream === group || b.storage === group);
    if (!via) return null;
    return `${this.urls[via.listen]}${via.storage === group ? '/storage/' : '/healthz'}`;
  }

  /**
   * Stops the fronts first (balancers and edge: no new traffic), then app instances with a
   * graceful drain, then the object store they were writing to, then the databases (replica
   * before primary, fast shutdown), and Redis last (draining instances still read and invalidate
   * through it): the reverse of the start order.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.autoscaler?.stop();
    await this.changing;
    const isFront = (c: Supervised) => c.spec.role === 'balancer' || c.spec.role === 'edge';
    // The monitor's processes go with the fronts (SIGTERM: a Go program dumps its stacks on SIGQUIT).
    const isMonitor = (c: Supervised) => MONITOR_ROLES.has(c.spec.role);
    const isStore = (c: Supervised) => c.spec.role === 'object-store';
    const isRedis = (c: Supervised) => c.spec.role === 'redis';
    const isPostgres = (c: Supervised) => c.spec.role === 'postgres';
    const fronts = this.children.filter(isFront);
    const apps = this.children.filter(
      (c) => !isFront(c) && !isMonitor(c) && !isStore(c) && !isRedis(c) && !isPostgres(c),
    );
    await Promise.all([
      ...fronts.map((c) => c.stop('SIGQUIT', 10_000)),
      ...this.children.filter(isMonitor).map((c) => c.stop('SIGTERM', 10_000)),
    ]);
    await Promise.all(apps.map((c) => c.stop('SIGTERM', 30_000)));
    await Promise.all(this.children.filter(isStore).map((c) => c.stop('SIGTERM', 10_000)));
    for (const db of this.children.filter(isPostgres).reverse()) await db.stop('SIGINT', 30_000);
    await Promise.all(this.children.filter(isRedis).map((c) => c.stop('SIGTERM', 10_000)));
    this.lock?.release();
  }
}
