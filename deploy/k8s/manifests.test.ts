import { readFile } from 'node:fs/promises';
import { ALL_ROLES, loadConfig, type Role } from '@graminsta/platform';
import { describe, expect, it } from 'vitest';
import {
  DATA_DIR,
  DRAIN_SECONDS,
  POSTGRES_MAX_CONNECTIONS,
  ROLE_SPECS,
  SECRET_KEYS,
  SECRET_NAME,
  DEFAULT_OPTIONS,
  buildManifests,
  type Manifest,
} from './manifests.ts';
import { containerOf, ofKind, quantity, resolvePort } from './queries.ts';
import { GENERATED_FILE, renderYaml } from './render.ts';
import { validateManifest } from './validate.ts';

const manifests = buildManifests();
const deployments = ofKind(manifests, 'Deployment');
const [configMap] = ofKind(manifests, 'ConfigMap');
const [job] = ofKind(manifests, 'Job');
const roleOf = (d: (typeof deployments)[number]) =>
  d.spec?.template.metadata?.labels?.['app.kubernetes.io/component'];
const specOf = (d: (typeof deployments)[number]) => ROLE_SPECS[roleOf(d) as Role];
const podTemplates = [...deployments, job!].map((w) => ({
  name: w.metadata?.name,
  pod: w.spec!.template.spec!,
}));

describe('every generated object', () => {
  it('passes its Kubernetes OpenAPI schema', () => {
    for (const manifest of manifests) expect(() => validateManifest(manifest)).not.toThrow();
  });

  it('is refused by the schema check when a field has the wrong type', () => {
    const broken = structuredClone(deployments[0]!);
    (containerOf(broken).ports![0] as { containerPort: unknown }).containerPort = 'http';
    expect(() => validateManifest(broken)).toThrow(/containerPort must be integer/);
    const missing = { ...structuredClone(deployments[0]!), spec: { template: {} } } as Manifest;
    expect(() => validateManifest(missing)).toThrow(/selector/);
  });

  it('has a unique name in the namespace, created after the namespace', () => {
    expect(manifests[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'graminsta' } });
    const keys = manifests.map((m) => `${m.kind}/${m.metadata?.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const m of manifests.slice(1)) expect(m.metadata?.namespace).toBe('graminsta');
  });

  it('holds no secret: the Secret is referenced by name, never generated', () => {
    expect(manifests.map((m) => m.kind)).not.toContain('Secret');
    const refs = podTemplates.flatMap(({ pod }) =>
      pod.containers.flatMap((c) => (c.env ?? []).flatMap((e) => e.valueFrom?.secretKeyRef ?? [])),
    );
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs)
      expect([ref.name, SECRET_KEYS.includes(ref.key as never)]).toEqual([SECRET_NAME, true]);
    expect(Object.keys(configMap!.data!).filter((k) => /SECRET|PASSWORD|DATABASE_URL|TOKEN/.test(k))).toEqual(
      [],
    );
  });

  it('references only the ConfigMap it creates, and no volume claim (stage 5 keeps no files)', () => {
    for (const { pod } of podTemplates) {
      for (const c of pod.containers) {
        for (const from of c.envFrom ?? []) expect(from.configMapRef?.name).toBe(configMap!.metadata?.name);
      }
      for (const v of pod.volumes ?? []) expect(v.persistentVolumeClaim).toBeUndefined();
    }
  });

  it('renders to the committed YAML file', async () => {
    expect(await readFile(GENERATED_FILE, 'utf8'), 'run `npm run k8s:render`').toBe(
      await renderYaml(manifests),
    );
  });
});

describe('Deployments', () => {
  it('run every role but storage once (the bucket replaces it at stage 5), with the replicas of the plan', () => {
    expect(deployments.map(roleOf).sort()).toEqual(ALL_ROLES.filter((r) => r !== 'storage').sort());
    for (const d of deployments) expect(containerOf(d).args).toEqual(['start', '--roles', roleOf(d)]);
    const desired = Object.fromEntries(deployments.map((d) => [roleOf(d), specOf(d).replicas]));
    expect(desired).toEqual({ api: 3, web: 2, worker: 1, realtime: 2 });
  });

  it('probe readiness on /readyz and liveness on /healthz at the port the server listens on', () => {
    const port = Number(configMap!.data!.PORT);
    for (const d of deployments) {
      const c = containerOf(d);
      expect([c.readinessProbe?.httpGet?.path, c.livenessProbe?.httpGet?.path], d.metadata?.name).toEqual([
        '/readyz',
        '/healthz',
      ]);
      for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
        expect(resolvePort(c, probe?.httpGet?.port)).toBe(port);
      }
    }
  });

  it('stop taking traffic, then drain within the grace period', () => {
    for (const d of deployments) {
      const c = containerOf(d);
      const pod = d.spec!.template.spec!;
      const [cmd, seconds] = c.lifecycle?.preStop?.exec?.command ?? [];
      const preStop = cmd === 'sleep' ? Number(seconds) : 0;
      expect(preStop, d.metadata?.name).toBeGreaterThan(0);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(DRAIN_SECONDS + preStop);
      // A pod that reads 503 on /readyz twice leaves the Service before the drain ends.
      if (c.readinessProbe) {
        const { periodSeconds = 10, failureThreshold = 3 } = c.readinessProbe;
        expect(periodSeconds * failureThreshold).toBeLessThan(DRAIN_SECONDS);
      }
    }
  });

  it('meet the "restricted" Pod Security Standard, with a read-only root filesystem', () => {
    for (const { name, pod } of podTemplates) {
      expect(pod.securityContext, name).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(pod.hostNetwork ?? false).toBe(false);
      for (const v of pod.volumes ?? []) expect(v.hostPath, name).toBeUndefined();
      for (const c of pod.containers) {
        expect(c.securityContext, name).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        // The one write outside the data folder: tsx's compile cache under /tmp.
        expect(c.volumeMounts?.map((m) => m.mountPath)).toContain('/tmp');
      }
    }
  });

  it('give DATA_DIR a scratch folder per pod, never a shared volume', () => {
    expect(configMap!.data!.DATA_DIR).toBe(DATA_DIR);
    for (const { name, pod } of podTemplates) {
      const mount = containerOf({ spec: { template: { spec: pod } } } as never).volumeMounts?.find(
        (m) => m.mountPath === DATA_DIR,
      );
      expect(pod.volumes?.find((v) => v.name === mount?.name)?.emptyDir, name).toBeDefined();
    }
  });

  it('hand API and workers the bucket and the CDN, with the S3 keys from the Secret only', () => {
    expect(configMap!.data).toMatchObject({
      S3_BUCKET: DEFAULT_OPTIONS.s3Bucket,
      S3_REGION: DEFAULT_OPTIONS.s3Region,
      CDN_URL: DEFAULT_OPTIONS.cdnUrl,
    });
    for (const role of ['api', 'worker']) {
      const d = deployments.find((x) => roleOf(x) === role)!;
      const refs = (containerOf(d).env ?? []).filter((e) => e.valueFrom?.secretKeyRef);
      expect(refs.map((e) => e.name)).toEqual(
        expect.arrayContaining(['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']),
      );
    }
    const purging = buildManifests({
      cdnPurgeUrls: ['http://edge-a', 'http://edge-b'],
      s3Endpoint: 'http://minio:9000',
    });
    expect(ofKind(purging, 'ConfigMap')[0]!.data).toMatchObject({
      CDN_PURGE_URLS: 'http://edge-a,http://edge-b',
      S3_ENDPOINT: 'http://minio:9000',
    });
  });

  it('hand every pod the cache settings, REDIS_URL from the Secret only (it may hold a password)', () => {
    expect(configMap!.data).toMatchObject({ CACHE_TTL_SECONDS: '30' });
    expect(configMap!.data).not.toHaveProperty('REDIS_URL');
    for (const role of ['api', 'worker']) {
      const d = deployments.find((x) => roleOf(x) === role)!;
      const ref = (containerOf(d).env ?? []).find((e) => e.name === 'REDIS_URL');
      // Optional: a Secret without it runs the stage-5 way, with no cache.
      expect(ref?.valueFrom?.secretKeyRef).toMatchObject({ key: 'REDIS_URL', optional: true });
    }
    const cluster = buildManifests({ redisClusterNodes: ['redis-0:6379', 'redis-1:6379'] });
    expect(ofKind(cluster, 'ConfigMap')[0]!.data).toMatchObject({
      REDIS_CLUSTER_NODES: 'redis-0:6379,redis-1:6379',
    });
  });

  it('request and cap CPU and memory', () => {
    for (const { name, pod } of podTemplates) {
      for (const c of pod.containers) {
        for (const r of ['cpu', 'memory'] as const) {
          const request = quantity(c.resources?.requests?.[r]);
          expect(request, `${name} ${r}`).toBeGreaterThan(0);
          expect(quantity(c.resources?.limits?.[r])).toBeGreaterThanOrEqual(request);
        }
      }
    }
  });

  it('fit their database pools in the PostgreSQL server at full scale-out, mid-rollout', () => {
    let worst = 1; // the migration Job
    for (const d of deployments) {
      const spec = specOf(d);
      const pods =
        (spec.autoscale?.maxReplicas ??
          spec.queueScale?.maxReplicas ??
          spec.connectionScale?.maxReplicas ??
          spec.replicas) + Number(d.spec?.strategy?.rollingUpdate?.maxSurge);
      const pool = Number(containerOf(d).env?.find((e) => e.name === 'DATABASE_POOL_SIZE')?.value);
      worst += pods * (pool + 1); // one more for the LISTEN connection of the pub/sub
    }
    expect(worst).toBeLessThanOrEqual(POSTGRES_MAX_CONNECTIONS - 10);
  });

  it('give every pod a configuration the server accepts', () => {
    for (const { name, pod } of podTemplates) {
      const c = pod.containers[0]!;
      const env: Record<string, string> = {
        ...configMap!.data,
        DATABASE_URL: 'postgres://graminsta:pw@postgres.example:5432/graminsta',
        SECRET: 'a'.repeat(64),
        S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
        S3_SECRET_ACCESS_KEY: 'b'.repeat(40),
        // QUEUE=bullmq and PUBSUB=redis (the ConfigMap's) need Redis; the replicas are optional.
        REDIS_URL: 'redis://:pw@redis.example:6379',
        DATABASE_REPLICA_URLS: 'postgres://graminsta:pw@replica.example:5432/graminsta',
      };
      for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
      const roles = c.args?.[0] === 'start' ? c.args[2] : undefined;
      const config = loadConfig({ ...env, ...(roles ? { ROLES: roles } : {}) });
      expect(config.PORT, name).toBe(c.ports?.[0]?.containerPort ?? config.PORT);
    }
  });
});

describe('metrics', () => {
  it('are scraped on a port of their own that no Service exposes, from private addresses only', () => {
    const config = loadConfig(configMap!.data!);
    expect(config.METRICS_PORT).toBeGreaterThan(0);
    expect(config.METRICS_ALLOW).not.toContain('0.0.0.0/0');
    for (const d of deployments) {
      const scrape = d.spec?.template.metadata?.annotations?.['prometheus.io/port'];
      if (scrape) expect(Number(scrape)).toBe(config.METRICS_PORT);
    }
    for (const service of ofKind(manifests, 'Service')) {
      for (const port of service.spec?.ports ?? []) expect(port.targetPort).not.toBe('metrics');
    }
  });
});

describe('the migration Job', () => {
  it('runs `graminsta migrate` from the same image and configuration, before the Deployments', () => {
    const c = job!.spec!.template.spec!.containers[0]!;
    const api = containerOf(deployments[0]!);
    expect(c.args).toEqual(['migrate']);
    expect([c.image, c.envFrom]).toEqual([api.image, api.envFrom]);
    expect(job!.spec!.template.spec!.restartPolicy).toBe('Never');
    expect(manifests.indexOf(job!)).toBeLessThan(manifests.indexOf(deployments[0]!));
  });
});
