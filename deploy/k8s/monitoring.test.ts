import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { findBinary } from '@graminsta/topology';
import { buildManifests, METRICS_PORT_NAME, type Manifest } from './manifests.ts';
import { ALERTS_FILE } from './monitoring.ts';
import { containerOf, ofKind, selects } from './queries.ts';
import { validateManifest } from './validate.ts';

const manifests = buildManifests();
const deployments = ofKind(manifests, 'Deployment');
const [job] = ofKind(manifests, 'Job');
const [monitor] = ofKind(manifests, 'PodMonitor');
const [rule] = ofKind(manifests, 'PrometheusRule');
const metricsPort = (c: ReturnType<typeof containerOf>) => c.ports?.find((p) => p.name === METRICS_PORT_NAME);

describe('scraping on Kubernetes', () => {
  it('annotates every pod template that serves /metrics with where to scrape it, and no other', () => {
    expect(deployments.length).toBeGreaterThan(0);
    for (const d of deployments) {
      const port = metricsPort(containerOf(d));
      expect(port, d.metadata?.name).toBeDefined();
      expect(d.spec?.template.metadata?.annotations).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(port!.containerPort),
        'prometheus.io/path': '/metrics',
      });
    }
    // The migration Job serves nothing.
    expect(metricsPort(job!.spec!.template.spec!.containers[0]!)).toBeUndefined();
    expect(job!.spec?.template.metadata?.annotations?.['prometheus.io/scrape']).toBeUndefined();
  });

  it('has a PodMonitor that selects every Deployment pod, on the metrics port they all name', () => {
    expect(monitor).toBeDefined();
    for (const d of deployments) {
      expect(
        selects(monitor!.spec.selector.matchLabels, d.spec?.template.metadata?.labels),
        d.metadata?.name,
      ).toBe(true);
    }
    const [endpoint] = monitor!.spec.podMetricsEndpoints;
    expect(endpoint).toMatchObject({ port: METRICS_PORT_NAME, path: '/metrics' });
    // The labels the alert rules group by, as on the loopback stages.
    expect(endpoint!.relabelings.map((r) => r.targetLabel).sort()).toEqual(['instance_name', 'role', 'tier']);
  });
});

describe('alert rules on Kubernetes', () => {
  it('are deploy/prometheus/alerts.yml, whole', async () => {
    const source = parse(await readFile(ALERTS_FILE, 'utf8')) as { groups: unknown };
    expect(rule?.spec.groups).toEqual(source.groups);
    expect(rule!.spec.groups.flatMap((g) => g.rules.map((r) => r.alert))).toEqual(
      expect.arrayContaining(['HighErrorRate', 'HighP99Latency', 'ReplicaLagging', 'QueueWaitHigh']),
    );
  });

  it.skipIf(!findBinary('promtool'))('pass promtool as the rule file the operator will load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'graminsta-rules-'));
    try {
      const file = join(dir, 'rules.yml');
      await writeFile(file, stringify(rule!.spec));
      const out = execFileSync(findBinary('promtool')!, ['check', 'rules', file]).toString();
      expect(out).toMatch(/SUCCESS: \d+ rules found/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('are refused by the schema check when a rule is broken', () => {
    const broken = structuredClone(rule!) as Manifest & { spec: { groups: Array<{ rules: object[] }> } };
    broken.spec.groups[0]!.rules.push({ alert: 'no spaces allowed', expr: 'up == 0' });
    expect(() => validateManifest(broken)).toThrow(/PrometheusRule\/graminsta-alerts/);
    const noPort = structuredClone(monitor!);
    noPort.spec.podMetricsEndpoints[0]!.port = '';
    expect(() => validateManifest(noPort)).toThrow(/PodMonitor/);
  });
});
