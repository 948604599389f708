import type { Role } from '@graminsta/platform';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';

import { DRAIN_SECONDS } from '../../apps/server/src/drain.ts';

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
/** Made by the operator, never generated (see deploy/README.md): holds SECRET and DATABASE_URL. */
export const SECRET_NAME = 'graminsta-secrets';
export const SECRET_KEYS = ['DATABASE_URL', 'SECRET'] as const;
export const BLOBS_CLAIM_NAME = 'graminsta-blobs';
/** The PostgreSQL server's max_connections that the pools below are sized against. */
export const POSTGRES_MAX_CONNECTIONS = 200;

export interface RoleSpec {
  /** Desired pods; for autoscaled roles this is the autoscaler's minimum. */
  replicas: number;
  /** Listens on HTTP_PORT: health for every role, plus the role's own routes (metrics: METRICS_PORT). */
  http: boolean;
  resources: IResourceRequirements;
  /** DATABASE_POOL_SIZE for this role's pods. */
  poolSize: number;
  /** Mounts the shared blob volume: the stages 1–4 blob store is a folder every user of it must see. */
  blobs: boolean;
  autoscale?: { maxReplicas: number; cpuUtilization: number };
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
    http: true,
    resources: resources('250m', '256Mi', '1', '512Mi'),
    poolSize: 8,
    // The API checks uploaded bytes before creating a photo and deletes a photo's objects.
    blobs: true,
    autoscale: { maxReplicas: 10, cpuUtilization: 70 },
    disruptionBudget: true,
  },
  web: {
    replicas: 2,
    http: true,
    resources: resources('100m', '256Mi', '500m', '384Mi'),
    poolSize: 2,
    blobs: false,
    autoscale: { maxReplicas: 6, cpuUtilization: 70 },
    disruptionBudget: true,
  },
  worker: {
    replicas: 2,
    http: true,
    resources: resources('500m', '512Mi', '2', '1536Mi'),
    poolSize: 4,
    blobs: true,
    disruptionBudget: false,
  },
  realtime: {
    replicas: 2,
    http: true,
    resources: resources('100m', '256Mi', '500m', '512Mi'),
    poolSize: 4,
    blobs: false,
    disruptionBudget: true,
  },
  storage: {
    replicas: 1,
    http: true,
    resources: resources('100m', '256Mi', '1', '512Mi'),
    poolSize: 2,
    blobs: true,
    disruptionBudget: false,
  },
};

export const roleName = (role: Role | 'migrate') => `${APP}-${role}`;

/** The labels a role's pods carry and its Services, budgets and autoscalers select on. */
export function selectorLabels(component: Role | 'migrate'): Record<string, string> {
  return { 'app.kubernetes.io/name': APP, 'app.kubernetes.io/component': component };
}

export function labels(component: Role | 'migrate'): Record<string, string> {
  return { ...selectorLabels(component), 'app.kubernetes.io/part-of': APP };
}
