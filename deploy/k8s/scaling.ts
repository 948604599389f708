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
    triggers: Array<
      | {
          type: 'postgresql';
          metricType: 'AverageValue';
          metadata: {
            connectionFromEnv: string;
            query: string;
            targetQueryValue: string;
            activationTargetQueryValue: string;
          };
        }
      | {
          type: 'prometheus';
          metricType: 'AverageValue';
          metadata: { serverAddress: string; query: string; threshold: string; activationThreshold: string };
        }
    >;
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
 * BullMQ's depth of work (QUEUE=bullmq): photo jobs waiting or running, as every process with the
 * queue reports it (`graminsta_queue_jobs{job,state}`, read from Redis on scrape). Each reports the
 * same whole-queue count, so the maximum, not the sum.
 */
export const BULLMQ_DEPTH_QUERY =
  'max(graminsta_queue_jobs{job="photo.process",state="waiting"})' +
  ' + max(graminsta_queue_jobs{job="photo.process",state="active"})';

/** Open sockets across the realtime tier: each pod reports its own (authenticated or not). */
export const REALTIME_CONNECTIONS_QUERY = 'sum(graminsta_realtime_connections)';

type ScaledTrigger = IScaledObject['spec']['triggers'][number];

const prometheusTrigger = (opts: ManifestOptions, query: string, perPod: number): ScaledTrigger => ({
  type: 'prometheus',
  metricType: 'AverageValue',
  metadata: {
    serverAddress: opts.prometheusUrl,
    query,
    threshold: String(perPod),
    activationThreshold: '0',
  },
});

/**
 * A role scaled on its queue (the worker): KEDA polls the depth and keeps about `jobsPerPod` per
 * pod, between the planned replicas and the maximum. On the PostgreSQL queue it reads DATABASE_URL
 * from the worker container's own environment (the Secret), so no credential is copied anywhere;
 * on BullMQ it asks Prometheus.
 */
export function queueScaler(role: Role, opts: ManifestOptions): IScaledObject | null {
  const spec = ROLE_SPECS[role];
  if (!spec.queueScale) return null;
  const trigger: ScaledTrigger =
    opts.queue === 'bullmq'
      ? prometheusTrigger(opts, BULLMQ_DEPTH_QUERY, spec.queueScale.jobsPerPod)
      : {
          type: 'postgresql',
          metricType: 'AverageValue',
          metadata: {
            connectionFromEnv: 'DATABASE_URL',
            query: QUEUE_DEPTH_QUERY,
            targetQueryValue: String(spec.queueScale.jobsPerPod),
            activationTargetQueryValue: '0',
          },
        };
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
      triggers: [trigger],
    },
  };
}

/**
 * The realtime tier, scaled on open sockets (an idle socket costs memory, not CPU, so a CPU
 * autoscaler would never see them): KEDA asks Prometheus for the tier's total and keeps about
 * `connectionsPerPod` per pod. It shrinks slowly: a pod that leaves closes its sockets, and their
 * clients reconnect (and resume) on the others.
 */
export function connectionScaler(role: Role, opts: ManifestOptions): IScaledObject | null {
  const spec = ROLE_SPECS[role];
  if (!spec.connectionScale) return null;
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: roleName(role), namespace: opts.namespace, labels: labels(role) },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: roleName(role) },
      minReplicaCount: spec.replicas,
      maxReplicaCount: spec.connectionScale.maxReplicas,
      pollingInterval: 15,
      cooldownPeriod: 600,
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleUp: {
              stabilizationWindowSeconds: 0,
              policies: [{ type: 'Percent', value: 100, periodSeconds: 30 }],
            },
            scaleDown: {
              stabilizationWindowSeconds: 600,
              policies: [{ type: 'Pods', value: 1, periodSeconds: 300 }],
            },
          },
        },
      },
      triggers: [prometheusTrigger(opts, REALTIME_CONNECTIONS_QUERY, spec.connectionScale.connectionsPerPod)],
    },
  };
}
