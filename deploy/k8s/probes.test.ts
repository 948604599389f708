import { startServerProcess } from '@graminsta/server/testing/server-process';
import { describe, expect, it } from 'vitest';
import { buildManifests } from './manifests.ts';
import { containerOf, ofKind } from './queries.ts';

const manifests = buildManifests();
const configMap = ofKind(manifests, 'ConfigMap')[0]!.data!;
const served = ofKind(manifests, 'Deployment').filter((d) => containerOf(d).readinessProbe);

/**
 * The container's own command and environment, on loopback: the harness picks the port and data
 * folder, and a public URL would hide which port the process took.
 */
function containerEnv(d: (typeof served)[number]): Record<string, string> {
  const env: Record<string, string> = { ...configMap, SECRET: 'k8s-probe-test-secret-0123456789' };
  // METRICS_PORT too: several pods' fixed metrics port would collide on one loopback.
  for (const key of ['HOST', 'PORT', 'DATA_DIR', 'PUBLIC_API_URL', 'METRICS_PORT']) delete env[key];
  for (const e of containerOf(d).env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

describe('a process started as each Deployment starts its container', () => {
  it.each(served.map((d) => [d.metadata!.name!, d] as const))(
    '%s answers its probes, then drains and exits cleanly on SIGTERM',
    async (_name, d) => {
      const c = containerOf(d);
      const [command, ...args] = c.args ?? [];
      expect(command).toBe('start');
      const server = await startServerProcess(containerEnv(d), args);
      try {
        for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
          const res = await fetch(new URL(probe!.httpGet!.path!, server.url));
          expect(res.status, `${probe!.httpGet!.path}\n${server.output()}`).toBe(200);
        }
      } finally {
        // Exit code 1 would mean the drain overran and the server forced its exit.
        expect(await server.stop()).toBe(0);
      }
    },
    90_000,
  );
});
