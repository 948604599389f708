import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import type { Manifest } from './manifests.ts';

type Validator = { apiVersion: string; new (data: never): { validate(): void } };

/** The model of each kind we emit, each checking against the Kubernetes OpenAPI schema. */
const MODELS: Record<Manifest['kind'], Validator> = {
  Namespace,
  ConfigMap,
  PersistentVolumeClaim,
  Job,
  Deployment,
  Service,
  Ingress,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
};

/** Throws, naming the object and the field, when a manifest breaks its Kubernetes schema. */
export function validateManifest(manifest: Manifest): void {
  const model = MODELS[manifest.kind];
  const where = `${manifest.kind}/${manifest.metadata?.name ?? '?'}`;
  if (model.apiVersion !== manifest.apiVersion) {
    throw new Error(`${where}: apiVersion ${manifest.apiVersion}, the schema is for ${model.apiVersion}`);
  }
  try {
    new model(manifest as never).validate();
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
}
