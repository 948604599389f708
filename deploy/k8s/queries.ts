// Look-ups over generated manifests, shared by the tests.
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { Manifest } from './manifests.ts';

export type OfKind<K extends Manifest['kind']> = Extract<Manifest, { kind: K }>;

export function ofKind<K extends Manifest['kind']>(manifests: Manifest[], kind: K): OfKind<K>[] {
  return manifests.filter((m): m is OfKind<K> => m.kind === kind);
}

/** A label selector matches when each of its labels is on the object with the same value. */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> = {}) {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

export function deploymentsSelectedBy(manifests: Manifest[], selector: Record<string, string> | undefined) {
  return ofKind(manifests, 'Deployment').filter((d) => selects(selector, d.spec?.template.metadata?.labels));
}

export function containerOf(d: IDeployment): IContainer {
  const [container, ...others] = d.spec?.template.spec?.containers ?? [];
  if (!container || others.length > 0) throw new Error(`${d.metadata?.name}: expected one container`);
  return container;
}

/** The container port a Service's targetPort or a probe's port (a number or a port name) names. */
export function resolvePort(container: IContainer, port: string | number | undefined): number | undefined {
  if (typeof port === 'number')
    return container.ports?.some((p) => p.containerPort === port) ? port : undefined;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

const UNITS: Record<string, number> = {
  '': 1,
  m: 1e-3,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  k: 1e3,
  M: 1e6,
  G: 1e9,
};

/** A Kubernetes quantity ("250m", "1", "512Mi") as a plain number. */
export function quantity(value: string | number | undefined): number {
  if (typeof value === 'number') return value;
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(value ?? '');
  const unit = match && UNITS[match[2] ?? ''];
  if (!match || unit === undefined || unit === null) throw new Error(`not a quantity: ${value}`);
  return Number(match[1]) * unit;
}

/**
 * Which Service, through which Ingress, a request path reaches: an Exact path first, else the
 * longest Prefix path, matched element by element.
 */
export function routeOf(manifests: Manifest[], host: string, path: string) {
  const segments = (p: string) => p.split('/').filter(Boolean);
  let best: { rank: number; service: string; ingress: OfKind<'Ingress'> } | undefined;
  for (const ingress of ofKind(manifests, 'Ingress')) {
    for (const rule of ingress.spec?.rules ?? []) {
      if (rule.host !== host) continue;
      for (const p of rule.http?.paths ?? []) {
        const prefix = segments(p.path ?? '/');
        const exact = p.pathType === 'Exact';
        const matches = exact ? p.path === path : prefix.every((s, i) => segments(path)[i] === s);
        const rank = exact ? Infinity : prefix.length;
        if (matches && (!best || rank > best.rank)) {
          best = { rank, service: p.backend.service?.name ?? '', ingress };
        }
      }
    }
  }
  return best && { service: best.service, ingress: best.ingress };
}
