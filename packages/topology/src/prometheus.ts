import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startChild, type Child } from './child.ts';
import { waitReady } from './ready.ts';

/** A binary from Debian's prometheus packages (scripts/install-system-deps.sh installs them). */
export function findBinary(name: string, override?: string): string | undefined {
  return [override, `/usr/bin/${name}`, `/usr/local/bin/${name}`].find((p) => p && existsSync(p));
}

function binary(name: string, envVar: string): string {
  const found = findBinary(name, process.env[envVar]);
  if (!found)
    throw new Error(`${name} is not installed (or set ${envVar}): run scripts/install-system-deps.sh`);
  return found;
}

export const prometheusBinary = () => binary('prometheus', 'PROMETHEUS_BIN');
export const promtoolBinary = () => binary('promtool', 'PROMTOOL_BIN');

/** One scrape job: a kind of process, each target with labels of its own (instance names, never ids). */
export interface ScrapeJob {
  job: string;
  targets: ReadonlyArray<{ address: string; labels?: Record<string, string> }>;
  metricsPath?: string;
}

export interface PrometheusConfigOptions {
  scrapeIntervalSeconds?: number;
  jobs: readonly ScrapeJob[];
  /** Rule files (absolute paths) to evaluate. */
  ruleFiles?: readonly string[];
  /** Labels every series gets (the stage). */
  externalLabels?: Record<string, string>;
}

/**
 * prometheus.yml for a set of static targets. JSON is YAML, so the file is written with
 * JSON.stringify: no hand-made quoting for an address or label to break.
 */
export function renderPrometheusConfig(opts: PrometheusConfigOptions): string {
  const interval = `${opts.scrapeIntervalSeconds ?? 5}s`;
  const config = {
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      ...(opts.externalLabels ? { external_labels: opts.externalLabels } : {}),
    },
    ...(opts.ruleFiles?.length ? { rule_files: [...opts.ruleFiles] } : {}),
    scrape_configs: opts.jobs.map((j) => ({
      job_name: j.job,
      metrics_path: j.metricsPath ?? '/metrics',
      static_configs: j.targets.map((t) => ({ targets: [t.address], labels: t.labels ?? {} })),
    })),
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export interface PrometheusServerOptions {
  host: string;
  port: number;
  /** Holds prometheus.yml and the TSDB (`data/`). */
  dir: string;
  /** Kept short: the data is for watching a running topology, not for history. */
  retention?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** The command line of a Prometheus serving its HTTP API on host:port, its files in `dir`. */
export function prometheusArgs(opts: PrometheusServerOptions): string[] {
  return [
    `--config.file=${join(opts.dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(opts.dir, 'data')}`,
    `--storage.tsdb.retention.time=${opts.retention ?? '2d'}`,
    `--web.listen-address=${opts.host}:${opts.port}`,
    // Lets a reload (POST /-/reload) pick up a new target list, as the autoscaler changes it.
    '--web.enable-lifecycle',
    `--log.level=${opts.logLevel ?? 'warn'}`,
  ];
}

/** Writes the configuration where `prometheusArgs` reads it. */
export async function writePrometheusConfig(dir: string, config: string): Promise<void> {
  await mkdir(join(dir, 'data'), { recursive: true });
  await writeFile(join(dir, 'prometheus.yml'), config);
}

/** A Prometheus of its own (tests), ready once /-/ready answers. */
export async function startPrometheus(opts: PrometheusServerOptions & { config: string }): Promise<Child> {
  await writePrometheusConfig(opts.dir, opts.config);
  const child = await startChild({
    name: 'prometheus',
    command: prometheusBinary(),
    args: prometheusArgs({ ...opts, logLevel: opts.logLevel ?? 'info' }),
    env: process.env,
    readyLine: /Server is ready to receive web requests/,
    readyOnStderr: true,
    timeoutMs: 60_000,
  });
  await waitReady(`http://${opts.host}:${opts.port}/-/ready`);
  return child;
}
