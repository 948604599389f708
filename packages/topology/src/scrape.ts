import type { ScrapeJob } from './prometheus.ts';
import { ROLES } from './roles.ts';
import type { StageTopology } from './stages.ts';

/** The exporters `graminsta up --monitor` runs, each a process role of its own. */
export const EXPORTER_ROLES = [
  'postgres-exporter',
  'redis-exporter',
  'nginx-exporter',
  'edge-exporter',
  'node-exporter',
] as const;
export type ExporterRole = (typeof EXPORTER_ROLES)[number];

/**
 * One process of a running topology as the scrape configuration needs it: topology.json's
 * `processes` entry plus the group it belongs to (for an exporter: the process it watches).
 */
export interface ScrapedProcess {
  name: string;
  /** `graminsta start`'s roles (comma-separated), an exporter role, `prometheus`, or a role with no /metrics. */
  role: string;
  group: string;
  port: number | null;
}

const isAppRole = (role: string) =>
  role.split(',').every((r) => (ROLES as readonly string[]).includes(r)) && role.length > 0;
const isExporter = (role: string): role is ExporterRole =>
  (EXPORTER_ROLES as readonly string[]).includes(role);

/**
 * The scrape jobs of a running topology, from the same process list the balancers are written
 * from: one job per app group (`api`, `web`, `worker`, …), one per kind of exporter, and
 * Prometheus itself. Each target carries `instance_name`, `role` and `tier` labels: names from
 * the topology, never ids, so a series set grows only with instances. A process with no /metrics
 * (nginx, PostgreSQL, Redis, the object store) is reached through its exporter instead.
 */
export function scrapeJobs(host: string, processes: readonly ScrapedProcess[]): ScrapeJob[] {
  const jobs = new Map<string, ScrapeJob & { targets: Array<ScrapeJob['targets'][number]> }>();
  const add = (job: string, p: ScrapedProcess, tier: string) => {
    if (p.port === null) return;
    const found = jobs.get(job) ?? { job, targets: [] };
    found.targets.push({
      address: `${host}:${p.port}`,
      labels: { instance_name: p.name, role: p.role, tier },
    });
    jobs.set(job, found);
  };
  for (const p of processes) {
    if (isAppRole(p.role)) add(p.group, p, p.group);
    // An exporter's tier is what it watches (lb-api, postgres-primary, redis), its job its kind.
    else if (isExporter(p.role)) add(p.role, p, p.group);
    else if (p.role === 'prometheus') add('prometheus', p, 'monitoring');
  }
  return [...jobs.values()];
}

/** An exporter `graminsta up --monitor` starts: its process name, kind, and the process it watches. */
export interface ExporterPlan {
  name: string;
  role: ExporterRole;
  watches: string;
}

/**
 * The exporters of a stage: one per database server (the primary and each replica at stage 6),
 * Redis's, one per nginx (balancers and the edge), the edge's cache outcomes, and the machine's
 * (node_exporter: CPU, memory, disks). `replicas`: how many replicas the stage runs on (the
 * operator may give several, or none). Stage 1 is one process: it has its own /metrics only.
 */
export function exportersFor(shape: StageTopology, replicas = shape.postgres ? 1 : 0): ExporterPlan[] {
  const plan: ExporterPlan[] = [];
  const exporter = (role: ExporterRole, watches: string, name = `${watches}-exporter`) =>
    plan.push({ name, role, watches });
  if (shape.postgres) {
    exporter('postgres-exporter', shape.postgres.primary);
    for (let i = 0; i < replicas; i++)
      exporter('postgres-exporter', i === 0 ? shape.postgres.replica : `${shape.postgres.replica}-${i + 1}`);
  } else if (shape.database) exporter('postgres-exporter', 'postgres');
  if (shape.redis) exporter('redis-exporter', shape.redis.name);
  for (const b of shape.balancers) exporter('nginx-exporter', b.name);
  if (shape.edge) {
    exporter('nginx-exporter', shape.edge.name);
    exporter('edge-exporter', shape.edge.name, `${shape.edge.name}-cache-exporter`);
  }
  // Every process of a loopback stage shares the machine, the database's included: its tier is
  // the database's, as the primary's machine is what PrimaryCpuHigh watches.
  const database = shape.postgres?.primary ?? (shape.database ? 'postgres' : null);
  if (database) exporter('node-exporter', database, 'node-exporter');
  return plan;
}
