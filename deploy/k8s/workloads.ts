import type { Role } from '@graminsta/platform';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { ManifestOptions } from './options.ts';
import {
  CONFIG_MAP_NAME,
  DATA_DIR,
  HTTP_PORT,
  HTTP_PORT_NAME,
  PRESTOP_SECONDS,
  ROLE_SPECS,
  RUN_AS_UID,
  SECRET_KEYS,
  OPTIONAL_SECRET_KEYS,
  SECRET_NAME,
  TERMINATION_GRACE_SECONDS,
  labels,
  roleName,
  selectorLabels,
  METRICS_PORT,
  METRICS_PORT_NAME,
} from './roles.ts';

const httpProbe = (path: string, periodSeconds: number, failureThreshold: number): IProbe => ({
  httpGet: { path, port: HTTP_PORT_NAME },
  periodSeconds,
  failureThreshold,
  timeoutSeconds: 3,
});

/** Health endpoints: readiness turns 503 as soon as the drain starts, liveness only when stuck. */
function probes(): Pick<IContainer, 'startupProbe' | 'readinessProbe' | 'livenessProbe'> {
  return {
    // Start-up (migrations under the advisory lock, tsx compiling) may take a while on a busy node.
    startupProbe: httpProbe('/healthz', 2, 60),
    readinessProbe: httpProbe('/readyz', 5, 2),
    livenessProbe: httpProbe('/healthz', 10, 3),
  };
}

function env(poolSize: number): IEnvVar[] {
  return [
    ...SECRET_KEYS.map((key) => ({
      name: key,
      valueFrom: {
        secretKeyRef: {
          name: SECRET_NAME,
          key,
          ...(OPTIONAL_SECRET_KEYS.has(key) ? { optional: true } : {}),
        },
      },
    })),
    { name: 'DATABASE_POOL_SIZE', value: String(poolSize) },
    // Answers as x-served-by, so a response names the pod that made it.
    { name: 'INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ];
}

function container(
  name: string,
  opts: ManifestOptions,
  args: string[],
  spec: { http: boolean; resources: IResourceRequirements; poolSize: number },
): IContainer {
  const mounts: IVolumeMount[] = [
    { name: 'tmp', mountPath: '/tmp' },
    { name: 'data', mountPath: DATA_DIR },
  ];
  return {
    name,
    image: opts.image,
    imagePullPolicy: 'IfNotPresent',
    args,
    envFrom: [{ configMapRef: { name: CONFIG_MAP_NAME } }],
    env: env(spec.poolSize),
    resources: spec.resources,
    ...(spec.http
      ? {
          ports: [
            { name: HTTP_PORT_NAME, containerPort: HTTP_PORT, protocol: 'TCP' },
            { name: METRICS_PORT_NAME, containerPort: METRICS_PORT, protocol: 'TCP' },
          ],
          ...probes(),
          // Endpoints are removed while this sleeps; only then does SIGTERM start the drain.
          lifecycle: { preStop: { exec: { command: ['sleep', String(PRESTOP_SECONDS)] } } },
        }
      : {}),
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: mounts,
  };
}

function podSpec(containerSpec: IContainer): IPodSpec {
  // tsx keeps its compile cache in the temp folder. DATA_DIR holds nothing lasting at stage 5
  // (photos are in the bucket, SECRET in the Secret): a scratch folder per pod, no shared volume.
  const volumes: IVolume[] = [
    { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
    { name: 'data', emptyDir: { sizeLimit: '256Mi' } },
  ];
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS_UID,
      runAsGroup: RUN_AS_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [containerSpec],
    volumes,
  };
}

export function deployment(role: Role, opts: ManifestOptions): IDeployment {
  const spec = ROLE_SPECS[role];
  // Every role listens on HTTP: its own routes, or health and metrics at least.
  const pod = podSpec(container(role, opts, ['start', '--roles', role], { ...spec, http: true }));
  if (spec.replicas > 1) {
    pod.topologySpreadConstraints = [
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: selectorLabels(role) },
      },
    ];
  }
  const metrics = {
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': String(METRICS_PORT),
    'prometheus.io/path': '/metrics',
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: roleName(role), namespace: opts.namespace, labels: labels(role) },
    spec: {
      // An autoscaled Deployment leaves replicas to its autoscaler, or every apply would reset them.
      ...(spec.autoscale || spec.queueScale || spec.connectionScale ? {} : { replicas: spec.replicas }),
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorLabels(role) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: labels(role), annotations: metrics },
        spec: pod,
      },
    },
  };
}

/**
 * `graminsta migrate`, applied and awaited before the Deployments roll (deploy/README.md). The
 * roles also migrate at start-up under an advisory lock, so either order is safe.
 */
export function migrationJob(opts: ManifestOptions): IJob {
  const spec = {
    http: false,
    poolSize: 1,
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  };
  const pod = podSpec(container('migrate', opts, ['migrate'], spec));
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: roleName('migrate'), namespace: opts.namespace, labels: labels('migrate') },
    spec: {
      backoffLimit: 4,
      activeDeadlineSeconds: 600,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels: labels('migrate') },
        spec: { ...pod, restartPolicy: 'Never' },
      },
    },
  };
}
