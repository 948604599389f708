import type { Role } from '@graminsta/platform';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { ManifestOptions } from './options.ts';
import { ROLE_SPECS, labels, roleName, selectorLabels } from './roles.ts';

/** CPU-driven autoscaler for a role that has `autoscale` in ROLE_SPECS. */
export function autoscaler(role: Role, opts: ManifestOptions): IHorizontalPodAutoscaler | null {
  const spec = ROLE_SPECS[role];
  if (!spec.autoscale) return null;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: roleName(role), namespace: opts.namespace, labels: labels(role) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: roleName(role) },
      minReplicas: spec.replicas,
      maxReplicas: spec.autoscale.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: spec.autoscale.cpuUtilization },
          },
        },
      ],
      behavior: {
        // Grow fast on a rush; shrink one pod a minute, each leaving through the drain.
        scaleUp: {
          stabilizationWindowSeconds: 0,
          policies: [{ type: 'Percent', value: 100, periodSeconds: 30 }],
        },
        scaleDown: {
          stabilizationWindowSeconds: 300,
          policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
        },
      },
    },
  };
}

/** Voluntary disruptions (node drains, upgrades) take at most one pod of the role at a time. */
export function disruptionBudget(role: Role, opts: ManifestOptions): IPodDisruptionBudget | null {
  if (!ROLE_SPECS[role].disruptionBudget) return null;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: roleName(role), namespace: opts.namespace, labels: labels(role) },
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(role) } },
  };
}
