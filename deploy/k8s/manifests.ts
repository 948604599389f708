import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IService } from 'kubernetes-models/v1/Service';
import { podMonitor, prometheusRule, type IPodMonitor, type IPrometheusRule } from './monitoring.ts';
import { SERVICE_ROLES, ingresses, service } from './network.ts';
import { DEFAULT_OPTIONS, publicUrl, type ManifestOptions } from './options.ts';
import { APP, CONFIG_MAP_NAME, DATA_DIR, HTTP_PORT, METRICS_PORT, PRODUCTION_ROLES } from './roles.ts';
import {
  autoscaler,
  connectionScaler,
  disruptionBudget,
  queueScaler,
  type IScaledObject,
} from './scaling.ts';
import { deployment, migrationJob } from './workloads.ts';
import { peakScaling } from './peaks.ts';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

export { DEFAULT_OPTIONS, type ManifestOptions } from './options.ts';
export * from './roles.ts';

export type Manifest =
  | INamespace
  | IConfigMap
  | IJob
  | IDeployment
  | IService
  | IIngress
  | IHorizontalPodAutoscaler
  | IPodDisruptionBudget
  | IScaledObject
  | IPodMonitor
  | IPrometheusRule
  | IServiceAccount
  | IRole
  | IRoleBinding
  | ICronJob;

const partOf = { 'app.kubernetes.io/name': APP, 'app.kubernetes.io/part-of': APP };

function namespace(opts: ManifestOptions): INamespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: opts.namespace,
      // Every pod here meets the "restricted" Pod Security Standard; admission refuses any that does not.
      labels: {
        ...partOf,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
      },
    },
  };
}

/** The non-secret configuration every pod reads (packages/platform/src/config.ts). */
function configMap(opts: ManifestOptions): IConfigMap {
  const origin = publicUrl(opts);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CONFIG_MAP_NAME, namespace: opts.namespace, labels: partOf },
    data: {
      HOST: '0.0.0.0',
      PORT: String(HTTP_PORT),
      DATA_DIR,
      PUBLIC_API_URL: origin,
      PUBLIC_WEB_URL: origin,
      CORS_ORIGINS: origin,
      LOG_LEVEL: 'info',
      // Prometheus scrapes pod addresses from inside the cluster (private ranges), never the public.
      METRICS_PORT: String(METRICS_PORT),
      METRICS_ALLOW: 'loopback,uniquelocal',
      // Stage 5: photos in the bucket, uploaded there straight from clients, served by the CDN.
      S3_BUCKET: opts.s3Bucket,
      S3_REGION: opts.s3Region,
      ...(opts.s3Endpoint ? { S3_ENDPOINT: opts.s3Endpoint } : {}),
      S3_FORCE_PATH_STYLE: String(opts.s3ForcePathStyle),
      CDN_URL: opts.cdnUrl,
      ...(opts.cdnPurgeUrls.length > 0 ? { CDN_PURGE_URLS: opts.cdnPurgeUrls.join(',') } : {}),
      // Stage 6: the cache (on wherever the Secret has REDIS_URL or the nodes are given).
      CACHE_TTL_SECONDS: String(opts.cacheTtlSeconds),
      ...(opts.redisClusterNodes.length > 0 ? { REDIS_CLUSTER_NODES: opts.redisClusterNodes.join(',') } : {}),
      // Stage 6 part 2: with REDIS_URL in the Secret, QUEUE and PUBSUB resolve to bullmq and redis
      // by themselves. The PostgreSQL queue must be said outright, or Redis would take the jobs
      // while the worker's ScaledObject counts the jobs table.
      ...(opts.queue === 'postgres' ? { QUEUE: 'postgres', PUBSUB: 'postgres' } : {}),
    },
  };
}

/** Every object of a deployment, in the order `kubectl apply -f` should create them. */
export function buildManifests(overrides: Partial<ManifestOptions> = {}): Manifest[] {
  const opts: ManifestOptions = { ...DEFAULT_OPTIONS, ...overrides };
  const present = <T>(items: (T | null)[]) => items.filter((x): x is T => x !== null);
  return [
    namespace(opts),
    configMap(opts),
    migrationJob(opts),
    ...PRODUCTION_ROLES.map((role) => deployment(role, opts)),
    ...SERVICE_ROLES.map((role) => service(role, opts)),
    ...ingresses(opts),
    ...present(PRODUCTION_ROLES.map((role) => autoscaler(role, opts))),
    ...present(PRODUCTION_ROLES.map((role) => queueScaler(role, opts))),
    ...present(PRODUCTION_ROLES.map((role) => connectionScaler(role, opts))),
    ...present(PRODUCTION_ROLES.map((role) => disruptionBudget(role, opts))),
    // prometheus-operator's resources (CRDs): the scrape and the alert rules.
    podMonitor(opts),
    prometheusRule(opts),
    ...peakScaling(opts),
  ];
}
