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

/** KEDA's ScaledObject (keda.sh/v1alpha1): no Kubernetes model ships its schema, so the fields we use are typed here. */
export interface IScaledObject {
  apiVersion: 'keda.sh/v1alpha1';
  kind: 'ScaledObject';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1'; kind: 'Deployment'; name: string };
    minReplicaCount: number;
    maxReplicaCount: number;
    pollingInterval: number;
    cooldownPeriod: number;
    advanced: {
      horizontalPodAutoscalerConfig: { behavior: NonNullable<IHorizontalPodAutoscaler['spec']>['behavior'] };
    };
    triggers: Array<{
      type: 'postgresql';
      metricType: 'AverageValue';
      metadata: {
        connectionFromEnv: string;
        query: string;
        targetQueryValue: string;
        activationTargetQueryValue: string;
      };
    }>;
  };
}

/**
 * The worker's depth of work: photo jobs due now or running under a live lease. Dead jobs (tries
 * spent, kept for operators) and delayed retries do not count. It reads the PostgreSQL queue's
 * `jobs` table (packages/platform/src/queue), and runs against it in scaling.test.ts.
 */
export const QUEUE_DEPTH_QUERY =
  "select count(*) from jobs where name = 'photo.process' and attempts < max_attempts " +
  'and (run_at <= now() or locked_until > now())';

/**
 * A role scaled on its queue (the worker): KEDA polls the depth and keeps about `jobsPerPod` per
 * pod, between the planned replicas and the maximum. It reads DATABASE_URL from the worker
 * container's own environment (the Secret), so no credential is copied anywhere.
 */
export function queueScaler(role: Role, opts: ManifestOptions): IScaledObject | null {
  const spec = ROLE_SPECS[role];
  if (!spec.queueScale) return null;
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: roleName(role), namespace: opts.namespace, labels: labels(role) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: roleName(role) },
      minReplicaCount: spec.replicas,
      maxReplicaCount: spec.queueScale.maxReplicas,
      pollingInterval: 15,
      cooldownPeriod: 300,
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            // A burst of uploads gets pods at once; they leave one a minute, each finishing its jobs.
            scaleUp: {
              stabilizationWindowSeconds: 0,
              policies: [{ type: 'Percent', value: 200, periodSeconds: 15 }],
            },
            scaleDown: {
              stabilizationWindowSeconds: 300,
              policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
            },
          },
        },
      },
      triggers: [
        {
          type: 'postgresql',
          metricType: 'AverageValue',
          metadata: {
            connectionFromEnv: 'DATABASE_URL',
            query: QUEUE_DEPTH_QUERY,
            targetQueryValue: String(spec.queueScale.jobsPerPod),
            activationTargetQueryValue: '0',
          },
        },
      ],
    },
  };
}
