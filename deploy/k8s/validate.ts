import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { z } from 'zod';
import type { Manifest } from './manifests.ts';

type Validator = { apiVersion: string; new (data: never): { validate(): void } };

/** The model of each kind we emit, each checking against the Kubernetes OpenAPI schema. */
const MODELS: Record<Exclude<Manifest['kind'], 'ScaledObject'>, Validator> = {
  Namespace,
  ConfigMap,
  Job,
  Deployment,
  Service,
  Ingress,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
};

/** Throws, naming the object and the field, when a manifest breaks its Kubernetes schema. */
export function validateManifest(manifest: Manifest): void {
  const where = `${manifest.kind}/${manifest.metadata?.name ?? '?'}`;
  if (manifest.kind === 'ScaledObject') {
    const checked = SCALED_OBJECT.safeParse(manifest);
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
