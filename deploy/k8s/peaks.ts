/**
 * Scheduled scale-up ahead of a known daily peak (`graminsta up --schedule` on loopback): a pair of
 * CronJobs per peak that patch a role's HorizontalPodAutoscaler's minReplicas up at the window's
 * start and back at its end. The HPA may still go higher, up to its maximum. They run as a
 * ServiceAccount whose Role may get and patch those HPAs only.
 */
import type { Role } from '@graminsta/platform';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { ManifestOptions } from './options.ts';
import { APP, ROLE_SPECS, roleName } from './roles.ts';

/** One daily window: from `from` to `to` (HH:MM in `opts.peakTimeZone`), `role`'s HPA keeps at least `minReplicas`. */
export interface Peak {
  role: Role;
  from: string;
  to: string;
  minReplicas: number;
}

export const PEAK_SCALER = `${APP}-peak-scaler`;
const UID = 65532;
const labels = {
  'app.kubernetes.io/name': APP,
  'app.kubernetes.io/component': 'peak-scaler',
  'app.kubernetes.io/part-of': APP,
};

/** `HH:MM` as a cron schedule, daily. */
function daily(hhmm: string): string {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new Error(`peak time "${hhmm}" is not HH:MM`);
  return `${Number(m[2])} ${Number(m[1])} * * *`;
}

/** Throws when a peak names a role without a CPU autoscaler, or a minimum outside its bounds. */
function check(peak: Peak): { base: number; max: number } {
  const spec = ROLE_SPECS[peak.role];
  if (!spec.autoscale)
    throw new Error(
      `peak for ${peak.role}: only roles with a HorizontalPodAutoscaler (api, web) can be raised`,
    );
  if (
    !Number.isInteger(peak.minReplicas) ||
    peak.minReplicas <= spec.replicas ||
    peak.minReplicas > spec.autoscale.maxReplicas
  )
    throw new Error(
      `peak for ${peak.role}: minReplicas must be above ${spec.replicas} and at most ${spec.autoscale.maxReplicas}`,
    );
  if (peak.from === peak.to) throw new Error(`peak for ${peak.role}: starts and ends at ${peak.from}`);
  return { base: spec.replicas, max: spec.autoscale.maxReplicas };
}

function patchJob(
  name: string,
  schedule: string,
  role: Role,
  minReplicas: number,
  opts: ManifestOptions,
): ICronJob {
  const patch = JSON.stringify({ spec: { minReplicas } });
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: opts.namespace, labels },
    spec: {
      schedule,
      timeZone: opts.peakTimeZone,
      concurrencyPolicy: 'Replace',
      // Late by more than ten minutes (the control plane was down): skip, the other one follows.
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: 3,
          ttlSecondsAfterFinished: 3600,
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: PEAK_SCALER,
              restartPolicy: 'OnFailure',
              securityContext: {
                runAsNonRoot: true,
                runAsUser: UID,
                runAsGroup: UID,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              containers: [
                {
                  name: 'kubectl',
                  image: opts.kubectlImage,
                  command: ['kubectl'],
                  args: [
                    'patch',
                    'hpa',
                    roleName(role),
                    '--namespace',
                    opts.namespace,
                    '--type',
                    'merge',
                    '--patch',
                    patch,
                  ],
                  resources: {
                    requests: { cpu: '10m', memory: '32Mi' },
                    limits: { cpu: '200m', memory: '128Mi' },
                  },
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ['ALL'] },
                  },
                },
              ],
            },
          },
        },
      },
    },
  };
}

/** The ServiceAccount, its Role and binding, and two CronJobs per peak; nothing without peaks. */
export function peakScaling(opts: ManifestOptions): Array<IServiceAccount | IRole | IRoleBinding | ICronJob> {
  if (opts.peaks.length === 0) return [];
  const jobs = opts.peaks.flatMap((peak, i) => {
    const { base } = check(peak);
    const name = `${APP}-peak-${peak.role}-${i + 1}`;
    return [
      patchJob(`${name}-up`, daily(peak.from), peak.role, peak.minReplicas, opts),
      patchJob(`${name}-down`, daily(peak.to), peak.role, base, opts),
    ];
  });
  const hpas = [...new Set(opts.peaks.map((p) => roleName(p.role)))];
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: PEAK_SCALER, namespace: opts.namespace, labels },
      automountServiceAccountToken: true,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: PEAK_SCALER, namespace: opts.namespace, labels },
      // The raised HPAs by name, get and patch: nothing else in the namespace.
      rules: [
        {
          apiGroups: ['autoscaling'],
          resources: ['horizontalpodautoscalers'],
          resourceNames: hpas,
          verbs: ['get', 'patch'],
        },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: PEAK_SCALER, namespace: opts.namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: PEAK_SCALER },
      subjects: [{ kind: 'ServiceAccount', name: PEAK_SCALER, namespace: opts.namespace }],
    },
    ...jobs,
  ];
}
