import { describe, expect, it } from 'vitest';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { buildManifests } from './manifests.ts';
import { PEAK_SCALER } from './peaks.ts';
import { validateManifest } from './validate.ts';

const peaks = [{ role: 'api' as const, from: '17:45', to: '21:15', minReplicas: 6 }];

describe('scheduled scale-up ahead of a daily peak', () => {
  it('adds nothing without peaks', () => {
    expect(buildManifests().some((m) => m.kind === 'CronJob' || m.kind === 'Role')).toBe(false);
  });

  it('raises the HPA minimum before the peak and sets it back after, as schema-valid CronJobs', () => {
    const all = buildManifests({ peaks, peakTimeZone: 'Europe/Paris' });
    for (const m of all) validateManifest(m);
    const jobs = all.filter((m): m is ICronJob => m.kind === 'CronJob');
    expect(jobs.map((j) => [j.metadata?.name, j.spec?.schedule, j.spec?.timeZone])).toEqual([
      ['graminsta-peak-api-1-up', '45 17 * * *', 'Europe/Paris'],
      ['graminsta-peak-api-1-down', '15 21 * * *', 'Europe/Paris'],
    ]);
    const args = jobs.map((j) => j.spec!.jobTemplate.spec!.template.spec!.containers[0]!.args!);
    expect(args[0]).toEqual(
      expect.arrayContaining(['patch', 'hpa', 'graminsta-api', '{"spec":{"minReplicas":6}}']),
    );
    // Back to the HPA's own minimum, the api's planned replicas.
    const hpa = all.find((m) => m.kind === 'HorizontalPodAutoscaler' && m.metadata?.name === 'graminsta-api');
    const base = (hpa as { spec: { minReplicas: number } }).spec.minReplicas;
    expect(args[1]).toContain(`{"spec":{"minReplicas":${base}}}`);
    for (const j of jobs)
      expect(j.spec!.jobTemplate.spec!.template.spec!.serviceAccountName).toBe(PEAK_SCALER);
  });

  it('lets the CronJobs patch the named HPAs and nothing else', () => {
    const role = buildManifests({ peaks }).find((m): m is IRole => m.kind === 'Role')!;
    expect(role.rules).toEqual([
      {
        apiGroups: ['autoscaling'],
        resources: ['horizontalpodautoscalers'],
        resourceNames: ['graminsta-api'],
        verbs: ['get', 'patch'],
      },
    ]);
    const binding = buildManifests({ peaks }).find((m) => m.kind === 'RoleBinding');
    expect(binding).toMatchObject({ roleRef: { kind: 'Role', name: PEAK_SCALER } });
  });

  it('refuses peaks it cannot honour', () => {
    const bad = [
      { role: 'worker' as const, from: '18:00', to: '21:00', minReplicas: 3 },
      { role: 'api' as const, from: '18:00', to: '21:00', minReplicas: 99 },
      { role: 'api' as const, from: '18:00', to: '21:00', minReplicas: 1 },
      { role: 'api' as const, from: '25:00', to: '21:00', minReplicas: 5 },
      { role: 'api' as const, from: '18:00', to: '18:00', minReplicas: 5 },
    ];
    for (const peak of bad) expect(() => buildManifests({ peaks: [peak] }), JSON.stringify(peak)).toThrow();
  });
});
