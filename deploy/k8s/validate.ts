import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { z } from 'zod';
import type { Manifest } from './manifests.ts';

/** Kinds of a CRD (KEDA, prometheus-operator): checked by a schema of our own, below. */
type CustomKind = 'ScaledObject' | 'PodMonitor' | 'PrometheusRule';

type Validator = { apiVersion: string; new (data: never): { validate(): void } };

/** The model of each kind we emit, each checking against the Kubernetes OpenAPI schema. */
const MODELS: Record<Exclude<Manifest['kind'], CustomKind>, Validator> = {
  Namespace,
  ConfigMap,
  Job,
  Deployment,
  Service,
  Ingress,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
  ServiceAccount,
  Role,
  RoleBinding,
  CronJob,
};

/** Throws, naming the object and the field, when a manifest breaks its Kubernetes schema. */
export function validateManifest(manifest: Manifest): void {
  const where = `${manifest.kind}/${manifest.metadata?.name ?? '?'}`;
  if (
    manifest.kind === 'ScaledObject' ||
    manifest.kind === 'PodMonitor' ||
    manifest.kind === 'PrometheusRule'
  ) {
    const checked = CUSTOM[manifest.kind].safeParse(manifest);
    if (!checked.success) throw new Error(`${where}: ${checked.error.message}`);
    return;
  }
  const model = MODELS[manifest.kind];
  if (model.apiVersion !== manifest.apiVersion) {
    throw new Error(`${where}: apiVersion ${manifest.apiVersion}, the schema is for ${model.apiVersion}`);
  }
  try {
    new model(manifest as never).validate();
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
}

const count = z.number().int().min(0);
/** The part of KEDA's ScaledObject CRD we emit, as its schema requires it (keda.sh/v1alpha1). */
const SCALED_OBJECT = z.object({
  apiVersion: z.literal('keda.sh/v1alpha1'),
  metadata: z.object({ name: z.string().min(1), namespace: z.string().min(1) }),
  spec: z
    .object({
      scaleTargetRef: z.object({ name: z.string().min(1) }),
      minReplicaCount: count,
      maxReplicaCount: count,
      pollingInterval: count,
      cooldownPeriod: count,
      triggers: z
        .array(
          z.object({
            type: z.string().min(1),
            // KEDA reads every trigger setting as a string.
            metadata: z.record(z.string(), z.string()),
          }),
        )
        .min(1),
    })
    .refine((s) => s.minReplicaCount <= s.maxReplicaCount, 'minReplicaCount exceeds maxReplicaCount'),
});

const name = z.string().min(1);
const objectMeta = z.object({ name, namespace: name });
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/);

/** prometheus-operator's PodMonitor, the fields we emit (monitoring.coreos.com/v1). */
const POD_MONITOR = z.object({
  apiVersion: z.literal('monitoring.coreos.com/v1'),
  metadata: objectMeta,
  spec: z.object({
    selector: z.object({ matchLabels: z.record(z.string(), z.string()) }),
    podMetricsEndpoints: z
      .array(
        z.object({
          port: name,
          path: z.string().startsWith('/'),
          interval: z.string().regex(/^\d+[smh]$/),
          relabelings: z.array(
            z.object({
              sourceLabels: z.array(labelName),
              targetLabel: labelName,
              action: z.literal('replace'),
            }),
          ),
        }),
      )
      .min(1),
  }),
});

/** prometheus-operator's PrometheusRule: alerting rules only (promtool checks their PromQL). */
const PROMETHEUS_RULE = z.object({
  apiVersion: z.literal('monitoring.coreos.com/v1'),
  metadata: objectMeta,
  spec: z.object({
    groups: z
      .array(
        z.object({
          name,
          rules: z
            .array(
              z.object({
                alert: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
                expr: name,
                for: z
                  .string()
                  .regex(/^\d+[smh]$/)
                  .optional(),
                labels: z.record(labelName, z.string()).optional(),
                annotations: z.record(labelName, z.string()).optional(),
              }),
            )
            .min(1),
        }),
      )
      .min(1),
  }),
});

const CUSTOM = { ScaledObject: SCALED_OBJECT, PodMonitor: POD_MONITOR, PrometheusRule: PROMETHEUS_RULE };
