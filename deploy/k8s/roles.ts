import type { Role } from '@graminsta/platform';
import { DRAIN_SECONDS } from '@graminsta/server';
import { ROLES } from '@graminsta/topology';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';

export { DRAIN_SECONDS };
/** Pause before SIGTERM, so Services and the ingress stop sending new requests before the drain. */
export const PRESTOP_SECONDS = 5;
/** Room for the process to exit after the drain before the kubelet's SIGKILL. */
export const GRACE_MARGIN_SECONDS = 5;
export const TERMINATION_GRACE_SECONDS = PRESTOP_SECONDS + DRAIN_SECONDS + GRACE_MARGIN_SECONDS;

export const APP = 'graminsta';
/** The port every HTTP role listens on inside its container (the image's PORT and EXPOSE). */
export const HTTP_PORT = 3000;
/** /metrics on a port of its own, reached by in-cluster Prometheus only: no Service exposes it. */
export const METRICS_PORT = 9100;
export const METRICS_PORT_NAME = 'metrics';
export const HTTP_PORT_NAME = 'http';
/** The image's `node` user; numeric so the kubelet can enforce runAsNonRoot. */
export const RUN_AS_UID = 1000;
export const DATA_DIR = '/var/lib/graminsta';
export const CONFIG_MAP_NAME = 'graminsta-config';
/** Made by the operator, never generated (see deploy/README.md): the database, SECRET and the S3 keys. */
export const SECRET_NAME = 'graminsta-secrets';
export const SECRET_KEYS = [
  'DATABASE_URL',
  'SECRET',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  // Stage 6: the cache's and timelines' Redis; a secret, since its URL may carry a password.
  'REDIS_URL',
  // Stage 6: the database's streaming replicas (comma-separated URLs, with passwords).
  'DATABASE_REPLICA_URLS',
] as const;
/**
 * S3 keys may instead come from the pod's cloud identity (IRSA, Workload Identity): then left out.
 * Without REDIS_URL (or REDIS_CLUSTER_NODES in the ConfigMap) the pods run without the cache, as stage 5.
 */
export const OPTIONAL_SECRET_KEYS: ReadonlySet<string> = new Set([
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'REDIS_URL',
  // Without replicas every read goes to the primary, as at stage 5.
  'DATABASE_REPLICA_URLS',
]);
/** The PostgreSQL server's max_connections that the pools below are sized against. */
export const POSTGRES_MAX_CONNECTIONS = 200;

/**
 * How a role runs in the cluster; which roles exist, which clients reach and which share the blob
 * folder is the topology's (ROLE_TRAITS in @graminsta/topology).
 */
export interface RoleSpec {
  /** Desired pods; for autoscaled roles this is the autoscaler's minimum. */
  replicas: number;
  resources: IResourceRequirements;
  /** DATABASE_POOL_SIZE for this role's pods. */
  poolSize: number;
  autoscale?: { maxReplicas: number; cpuUtilization: number };
  /** Scaled by KEDA on the number of live jobs (due or running) per pod, instead of CPU. */
  queueScale?: { maxReplicas: number; jobsPerPod: number };
  /** Scaled by KEDA on open sockets per pod (graminsta_realtime_connections from Prometheus). */
  connectionScale?: { maxReplicas: number; connectionsPerPod: number };
  disruptionBudget: boolean;
}

const resources = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({
  requests: { cpu, memory },
  limits: { cpu: cpuLimit, memory: memoryLimit },
});

/**
 * Every role and how it runs. Idle pods use about 200 MiB (Node plus tsx); the worker decodes
 * images up to MAX_IMAGE_PIXELS (50 Mpx, 200 MB as raw RGBA) and so gets the most memory.
 */
export const ROLE_SPECS: Record<Role, RoleSpec> = {
  api: {
    replicas: 3,
    resources: resources('250m', '256Mi', '1', '512Mi'),
    poolSize: 8,
    autoscale: { maxReplicas: 10, cpuUtilization: 70 },
    disruptionBudget: true,
  },
  web: {
    replicas: 2,
    resources: resources('100m', '256Mi', '500m', '384Mi'),
    poolSize: 2,
    autoscale: { maxReplicas: 6, cpuUtilization: 70 },
    disruptionBudget: true,
  },
  worker: {
    // One pod always (housekeeping, a first photo without a cold start); more as jobs wait.
    replicas: 1,
    resources: resources('500m', '512Mi', '2', '1536Mi'),
    poolSize: 3,
    // WORKER_CONCURRENCY (2) running plus two waiting per pod: a queue deeper than that adds pods.
    queueScale: { maxReplicas: 10, jobsPerPod: 4 },
    disruptionBudget: false,
  },
  realtime: {
    replicas: 2,
    resources: resources('100m', '256Mi', '500m', '512Mi'),
    // Sockets ask the database little (a session check as they open): a small pool, so the tier
    // at full size fits the server's connections (manifests.test.ts).
    poolSize: 2,
    // Sockets cost memory, not CPU, while idle: a pod per 5,000 (about 40 MB of sockets at the
    // issue's 8 KB each, well inside its limit), never fewer than two for a restart to move to.
    connectionScale: { maxReplicas: 6, connectionsPerPod: 5000 },
    disruptionBudget: true,
  },
  // Stages 1–4 only: at stage 5 the object store takes its place, and production runs no storage pod.
  storage: {
    replicas: 1,
    resources: resources('100m', '256Mi', '1', '512Mi'),
    poolSize: 2,
    disruptionBudget: false,
  },
};

/** The roles production runs: every one but `storage` (photos live in the S3 bucket, behind the CDN). */
export const PRODUCTION_ROLES: readonly Role[] = ROLES.filter((role) => role !== 'storage');

export const roleName = (role: Role | 'migrate') => `${APP}-${role}`;

/** The labels a role's pods carry and its Services, budgets and autoscalers select on. */
export function selectorLabels(component: Role | 'migrate'): Record<string, string> {
  return { 'app.kubernetes.io/name': APP, 'app.kubernetes.io/component': component };
}

export function labels(component: Role | 'migrate'): Record<string, string> {
  return { ...selectorLabels(component), 'app.kubernetes.io/part-of': APP };
}
