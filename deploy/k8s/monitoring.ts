import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { ManifestOptions } from './options.ts';
import { APP, METRICS_PORT_NAME } from './roles.ts';

/** The alert rules `graminsta up --monitor` loads: the cluster's Prometheus gets the same ones. */
export const ALERTS_FILE = fileURLToPath(new URL('../prometheus/alerts.yml', import.meta.url));

const partOf = { 'app.kubernetes.io/name': APP, 'app.kubernetes.io/part-of': APP };
const COMPONENT = '__meta_kubernetes_pod_label_app_kubernetes_io_component';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** prometheus-operator's PodMonitor (monitoring.coreos.com/v1), the fields we emit. */
export interface IPodMonitor {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'PodMonitor';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    selector: { matchLabels: Record<string, string> };
    podMetricsEndpoints: Array<{
      port: string;
      path: string;
      interval: string;
      relabelings: Array<{ sourceLabels: string[]; targetLabel: string; action: 'replace' }>;
    }>;
  };
}

/** prometheus-operator's PrometheusRule (monitoring.coreos.com/v1). */
export interface IPrometheusRule {
  apiVersion: 'monitoring.coreos.com/v1';
  kind: 'PrometheusRule';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { groups: Array<{ name: string; rules: AlertRule[] }> };
}

/**
 * Every Graminsta pod's /metrics, for a Prometheus run by prometheus-operator. A PodMonitor, not
 * a ServiceMonitor: no Service exposes the metrics port (the public ones must not), so the
 * scraper selects the pods themselves. The labels the alert rules and the operations page group
 * by are the loopback stages' (packages/topology/src/scrape.ts): `tier` and `role` the pod's
 * component, `instance_name` the pod's name. (Without the operator, the pods' prometheus.io/*
 * annotations serve a scraper's kubernetes_sd_configs.)
 */
export function podMonitor(opts: ManifestOptions): IPodMonitor {
  const relabel = (source: string, target: string) => ({
    sourceLabels: [source],
    targetLabel: target,
    action: 'replace' as const,
  });
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: { name: APP, namespace: opts.namespace, labels: partOf },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': APP } },
      podMetricsEndpoints: [
        {
          port: METRICS_PORT_NAME,
          path: '/metrics',
          interval: '15s',
          relabelings: [
            relabel(COMPONENT, 'tier'),
            relabel(COMPONENT, 'role'),
            relabel('__meta_kubernetes_pod_name', 'instance_name'),
          ],
        },
      ],
    },
  };
}

/** deploy/prometheus/alerts.yml as a PrometheusRule: one source for both kinds of Prometheus. */
export function prometheusRule(opts: ManifestOptions): IPrometheusRule {
  const { groups } = parse(readFileSync(ALERTS_FILE, 'utf8')) as IPrometheusRule['spec'];
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: `${APP}-alerts`, namespace: opts.namespace, labels: partOf },
    spec: { groups },
  };
}
