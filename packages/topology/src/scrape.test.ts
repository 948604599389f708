import { describe, expect, it } from 'vitest';
import { renderPrometheusConfig } from './prometheus.ts';
import { exportersFor, scrapeJobs, type ScrapedProcess } from './scrape.ts';
import { instanceNames, stageTopology, type Scale } from './stages.ts';

const HOST = '127.0.0.1';
const SCALE: Record<Scale, number> = { api: 2, web: 1, worker: 1, realtime: 2 };

/** A stage's processes as `graminsta up --monitor` runs them: ports made up, one each. */
function processesOf(stage: number): ScrapedProcess[] {
  const shape = stageTopology(stage);
  let port = 20_000;
  const out: ScrapedProcess[] = [];
  const push = (name: string, role: string, group: string) => out.push({ name, role, group, port: port++ });
  if (shape.redis) push(shape.redis.name, 'redis', shape.redis.name);
  if (shape.postgres) {
    push(shape.postgres.primary, 'postgres', shape.postgres.primary);
    push(shape.postgres.replica, 'postgres', shape.postgres.replica);
  }
  if (shape.objectStore) push(shape.objectStore.name, 'object-store', shape.objectStore.name);
  for (const g of shape.groups)
    for (const name of instanceNames(g, SCALE)) push(name, g.roles.join(','), g.name);
  for (const b of shape.balancers) push(b.name, 'balancer', b.name);
  if (shape.edge) push(shape.edge.name, 'edge', shape.edge.name);
  for (const e of exportersFor(shape)) push(e.name, e.role, e.watches);
  push('prometheus', 'prometheus', 'prometheus');
  return out;
}

const byJob = (stage: number) =>
  Object.fromEntries(
    scrapeJobs(HOST, processesOf(stage)).map((j) => [j.job, j.targets.map((t) => t.labels ?? {})]),
  );

describe('scrape jobs from a topology', () => {
  it('stage 4: a job per app group, each instance labelled with its name, role and tier', () => {
    const jobs = byJob(4);
    expect(Object.keys(jobs).sort()).toEqual(
      [
        'api',
        'nginx-exporter',
        'node-exporter',
        'postgres-exporter',
        'prometheus',
        'storage',
        'web',
        'worker',
      ].sort(),
    );
    expect(jobs.api).toEqual([
      { instance_name: 'api-1', role: 'api,realtime', tier: 'api' },
      { instance_name: 'api-2', role: 'api,realtime', tier: 'api' },
    ]);
    expect(jobs.worker).toEqual([{ instance_name: 'worker-1', role: 'worker', tier: 'worker' }]);
    // The balancers have no /metrics: their exporters stand in, named for what they watch.
    expect(jobs['nginx-exporter']!.map((l) => l.tier)).toEqual(['lb-api', 'lb-web']);
    expect(jobs['postgres-exporter']).toEqual([
      { instance_name: 'postgres-exporter', role: 'postgres-exporter', tier: 'postgres' },
    ]);
    expect(jobs.prometheus).toEqual([
      { instance_name: 'prometheus', role: 'prometheus', tier: 'monitoring' },
    ]);
    // One machine: its node_exporter stands for the database's machine (PrimaryCpuHigh, DiskSpaceLow).
    expect(jobs['node-exporter']).toEqual([
      { instance_name: 'node-exporter', role: 'node-exporter', tier: 'postgres' },
    ]);
  });

  it("stage 5: the edge's cache exporter beside its nginx exporter", () => {
    const jobs = byJob(5);
    expect(jobs['edge-exporter']).toEqual([
      { instance_name: 'edge-cache-exporter', role: 'edge-exporter', tier: 'edge' },
    ]);
    expect(jobs['nginx-exporter']!.map((l) => l.tier)).toEqual(['lb-api', 'lb-web', 'edge']);
  });

  it('every target is one process of the topology, none twice, nginx and databases never scraped directly', () => {
    const processes = processesOf(6);
    const targets = scrapeJobs(HOST, processes).flatMap((j) => j.targets);
    const addresses = targets.map((t) => t.address);
    expect(new Set(addresses).size).toBe(addresses.length);
    const scraped = new Set(targets.map((t) => t.labels?.instance_name));
    for (const p of processes) {
      const direct = !['balancer', 'edge', 'postgres', 'redis', 'object-store'].includes(p.role);
      expect(scraped.has(p.name), p.name).toBe(direct);
    }
  });

  it('stage 6: the redis exporter, and an exporter for the primary and for the replica', () => {
    const jobs = byJob(6);
    expect(jobs['redis-exporter']).toEqual([
      { instance_name: 'redis-exporter', role: 'redis-exporter', tier: 'redis' },
    ]);
    expect(jobs['postgres-exporter']!.map((l) => l.tier)).toEqual(['postgres-primary', 'postgres-replica']);
    expect(jobs['nginx-exporter']!.map((l) => l.tier)).toEqual(['lb-api', 'lb-web', 'edge']);
    expect(jobs.realtime!.map((l) => l.instance_name)).toEqual(['realtime-1', 'realtime-2']);
    expect(jobs['node-exporter']!.map((l) => l.tier)).toEqual(['postgres-primary']);
    // The operator's replicas: one exporter each.
    const two = exportersFor(stageTopology(6), 2).filter((e) => e.role === 'postgres-exporter');
    expect(two.map((e) => e.watches)).toEqual(['postgres-primary', 'postgres-replica', 'postgres-replica-2']);
  });

  it('stage 1 (PGlite, one process): the process itself and Prometheus, no exporter', () => {
    expect(exportersFor(stageTopology(1))).toEqual([]);
    expect(Object.keys(byJob(1)).sort()).toEqual(['all', 'prometheus']);
  });

  it('renders as a prometheus.yml whose jobs carry those labels', () => {
    const config = JSON.parse(
      renderPrometheusConfig({ jobs: scrapeJobs(HOST, processesOf(5)), externalLabels: { stage: '5' } }),
    ) as {
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ labels: Record<string, string> }> }>;
    };
    const edge = config.scrape_configs
      .find((j) => j.job_name === 'nginx-exporter')!
      .static_configs.map((s) => s.labels.tier);
    expect(edge).toContain('edge');
  });
});
