import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import {
  EXPORTER_ROLES,
  exportersFor,
  findBinary,
  freePort,
  NGINX_STATUS_PATH,
  prometheusArgs,
  prometheusBinary,
  renderPrometheusConfig,
  scrapeJobs,
  waitReady,
  writePrometheusConfig,
  type ExporterPlan,
  type StageTopology,
} from '@graminsta/topology';
import type { ChildSpec, Supervised } from './child.ts';
import { GRAMINSTA_BIN } from '../graminsta-bin.ts';

/** The alert rules every Prometheus of ours loads (absent from an image without deploy/: none). */
export const ALERT_RULES = fileURLToPath(
  new URL('../../../../deploy/prometheus/alerts.yml', import.meta.url),
);

/** Roles of the processes the monitor starts: the supervisor stops them with the fronts, never rolls them. */
export const MONITOR_ROLES: ReadonlySet<string> = new Set(['prometheus', ...EXPORTER_ROLES]);

// The machine's exporter reads what the alert rules and the doctor use, nothing more.
const NODE_COLLECTORS = ['cpu', 'meminfo', 'loadavg', 'filesystem', 'diskstats'];

// A loopback topology is watched live (a load run, the operations page): short scrapes.
const SCRAPE_SECONDS = 2;

/** What the monitor needs from the stage's supervisor. */
export interface MonitorHost {
  stage: number;
  shape: StageTopology;
  host: string;
  dataDir: string;
  log: (line: string) => void;
  /** Starts a supervised child of the stage (listed in topology.json), logging through `log`. */
  add(spec: ChildSpec, log?: (line: string) => void): Supervised;
  /** The stage's processes right now (the autoscaler adds and removes instances). */
  children(): readonly Supervised[];
}

/** Where the exporters find what they watch, once the stage is up. */
export interface MonitoredStage {
  /** Stages 2–5: the stage's database; stage 6: its primary. */
  databaseUrl?: string;
  replicaUrls?: readonly string[];
  redisUrl?: string;
}

/** Hides a URL's password in a line an exporter logs. */
export function redactor(urls: readonly (string | undefined)[]): (line: string) => string {
  const secrets = urls
    .map((u) => (u ? decodeURIComponent(new URL(u).password) : ''))
    .filter((p) => p.length > 0);
  return (line) => secrets.reduce((l, s) => l.split(s).join('***'), line);
}

/**
 * `graminsta up --monitor`: a Prometheus of the stage's own, scraping every process of it (app
 * instances on /metrics; nginx, PostgreSQL and Redis through Debian's exporters), with the alert
 * rules of deploy/prometheus/alerts.yml. Its port is chosen before the instances start, so the
 * API processes get PROMETHEUS_URL; it starts once the stage is up.
 */
export class Monitor {
  private reloads: Promise<void> = Promise.resolve();

  private constructor(
    private readonly h: MonitorHost,
    readonly port: number,
    /** Where the edge sends its cache log (UDP), chosen before the edge's nginx.conf is written. */
    readonly edgeLogPort: number | null,
  ) {}

  static async create(host: MonitorHost): Promise<Monitor> {
    const edgeLogPort = host.shape.edge ? await freeUdpPort(host.host) : null;
    return new Monitor(host, await freePort(), edgeLogPort);
  }

  get url(): string {
    return `http://${this.h.host}:${this.port}`;
  }

  private get dir(): string {
    return join(this.h.dataDir, 'prometheus');
  }

  /** prometheus.yml from the processes running now. */
  config(): string {
    // Prometheus itself from the start: the first configuration is written before it runs.
    const self = { name: 'prometheus', role: 'prometheus', group: 'prometheus', port: this.port };
    const processes = [
      ...this.h
        .children()
        .filter((c) => c.spec.role !== 'prometheus')
        .map((c) => ({ name: c.spec.name, role: c.spec.role, group: c.spec.group, port: c.spec.port })),
      self,
    ];
    return renderPrometheusConfig({
      scrapeIntervalSeconds: SCRAPE_SECONDS,
      jobs: scrapeJobs(this.h.host, processes),
      ruleFiles: existsSync(ALERT_RULES) ? [ALERT_RULES] : [],
      externalLabels: { stage: String(this.h.stage) },
    });
  }

  /** Starts the exporters, then Prometheus, once every process they watch answers. */
  async start(stage: MonitoredStage): Promise<void> {
    const replicas = stage.replicaUrls ?? [];
    for (const plan of exportersFor(this.h.shape, replicas.length)) await this.exporter(plan, stage);
    if (!existsSync(ALERT_RULES)) this.h.log(`[up] no ${ALERT_RULES}: Prometheus runs without alert rules`);
    await writePrometheusConfig(this.dir, this.config());
    this.h.add({
      name: 'prometheus',
      role: 'prometheus',
      group: 'prometheus',
      command: prometheusBinary(),
      args: prometheusArgs({ host: this.h.host, port: this.port, dir: this.dir }),
      env: process.env,
      port: this.port,
      readyPath: '/-/ready',
      ownGroup: true,
      restart: true,
    });
    await waitReady(`${this.url}/-/ready`);
  }

  /**
   * Rewrites prometheus.yml from the current children and has Prometheus read it again (the
   * autoscaler calls this as instances come and go). One at a time, so the last call's list wins.
   */
  reload(): Promise<void> {
    this.reloads = this.reloads
      .catch(() => undefined)
      .then(async () => {
        await writePrometheusConfig(this.dir, this.config());
        const res = await fetch(`${this.url}/-/reload`, { method: 'POST' });
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`Prometheus refused the new configuration (${res.status})`);
      });
    return this.reloads;
  }

  private async exporter(plan: ExporterPlan, stage: MonitoredStage): Promise<void> {
    const port = await freePort();
    const listen = `${this.h.host}:${port}`;
    const watched = this.h.children().find((c) => c.spec.name === plan.watches);
    let command: string;
    let args: string[];
    const env: Record<string, string | undefined> = { ...process.env };
    let secretUrls: string[] = [];
    switch (plan.role) {
      case 'postgres-exporter': {
        const url = this.databaseOf(plan, stage);
        if (!url) return this.h.log(`[up] no database address for ${plan.name}: not started`);
        command = exporterBinary('prometheus-postgres-exporter');
        args = [`--web.listen-address=${listen}`, '--log.level=warn'];
        // By environment only: the URL may hold a password, and command lines are public (ps).
        env.DATA_SOURCE_NAME = withSslMode(url);
        secretUrls = [url];
        break;
      }
      case 'redis-exporter':
        if (!stage.redisUrl) return this.h.log(`[up] no Redis address for ${plan.name}: not started`);
        command = exporterBinary('prometheus-redis-exporter');
        args = [`-web.listen-address=${listen}`];
        env.REDIS_ADDR = stage.redisUrl;
        secretUrls = [stage.redisUrl];
        break;
      case 'nginx-exporter':
        if (!watched?.spec.port) return this.h.log(`[up] ${plan.watches} is not running: no ${plan.name}`);
        command = exporterBinary('prometheus-nginx-exporter');
        args = [
          `-web.listen-address=${listen}`,
          `-nginx.scrape-uri=http://${this.h.host}:${watched.spec.port}${NGINX_STATUS_PATH}`,
          // nginx answers already; a restart of the exporter must not give up on a busy moment.
          '-nginx.retries=5',
        ];
        break;
      case 'edge-exporter':
        if (!this.edgeLogPort) return this.h.log(`[up] no edge log port: no ${plan.name}`);
        command = process.execPath;
        args = [
          GRAMINSTA_BIN,
          'edge-exporter',
          '--port',
          String(port),
          '--syslog-port',
          String(this.edgeLogPort),
        ];
        env.HOST = this.h.host;
        break;
      case 'node-exporter':
        command = exporterBinary('prometheus-node-exporter');
        args = [
          `--web.listen-address=${listen}`,
          '--log.level=warn',
          '--collector.disable-defaults',
          ...NODE_COLLECTORS.map((c) => `--collector.${c}`),
        ];
        break;
    }
    const redact = redactor(secretUrls);
    this.h.add(
      {
        name: plan.name,
        role: plan.role,
        group: plan.watches,
        command,
        args,
        env,
        port,
        readyPath: '/metrics',
        ownGroup: true,
        restart: true,
      },
      (line) => this.h.log(redact(line)),
    );
    await waitReady(`http://${listen}/metrics`, 60_000);
  }

  private databaseOf(plan: ExporterPlan, stage: MonitoredStage): string | undefined {
    const { postgres } = this.h.shape;
    if (!postgres || plan.watches === postgres.primary) return stage.databaseUrl;
    const index = plan.watches === postgres.replica ? 0 : Number(plan.watches.split('-').pop()) - 1;
    return stage.replicaUrls?.[index];
  }
}

/**
 * The exporter's driver (lib/pq) insists on TLS unless told; node-postgres, which the instances
 * use, does not. The same URL gets the same connection: no TLS unless it says `sslmode`.
 */
export function withSslMode(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has('sslmode')) u.searchParams.set('sslmode', 'disable');
  return u.toString();
}

/** A UDP port nobody holds now on `host` (the edge's log goes there once its exporter runs). */
export async function freeUdpPort(host: string): Promise<number> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

function exporterBinary(name: string): string {
  const found = findBinary(name);
  if (!found) throw new Error(`${name} is not installed: run scripts/install-system-deps.sh`);
  return found;
}
