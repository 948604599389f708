import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, buildManifests } from './manifests.ts';
import { containerOf, deploymentsSelectedBy, ofKind, quantity, resolvePort, routeOf } from './queries.ts';
import { BULLMQ_DEPTH_QUERY, QUEUE_DEPTH_QUERY } from './scaling.ts';

const manifests = buildManifests();
const configMap = ofKind(manifests, 'ConfigMap')[0]!;
const deployments = ofKind(manifests, 'Deployment');
const services = ofKind(manifests, 'Service');
const ingresses = ofKind(manifests, 'Ingress');
const NGINX = 'nginx.ingress.kubernetes.io';

describe('Services', () => {
  it('each select the pods of exactly one Deployment, on a port those pods listen on', () => {
    expect(services.map((s) => s.metadata?.name).sort()).toEqual(
      ['graminsta-api', 'graminsta-realtime', 'graminsta-web'].sort(),
    );
    for (const s of services) {
      const selected = deploymentsSelectedBy(manifests, s.spec?.selector);
      expect(
        selected.map((d) => d.metadata?.name),
        s.metadata?.name,
      ).toEqual([s.metadata?.name]);
      for (const port of s.spec?.ports ?? []) {
        expect(resolvePort(containerOf(selected[0]!), port.targetPort), s.metadata?.name).toBeDefined();
      }
    }
  });
});

describe('Ingress', () => {
  it('sends each path to the role that serves it', () => {
    const route = (path: string) => routeOf(manifests, DEFAULT_OPTIONS.host, path)?.service;
    expect(route('/')).toBe('graminsta-web');
    expect(route('/u/ada')).toBe('graminsta-web');
    expect(route('/assets/index-abc.js')).toBe('graminsta-web');
    expect(route('/apiary')).toBe('graminsta-web');
    expect(route('/api/v1/feed')).toBe('graminsta-api');
    expect(route('/api/openapi.json')).toBe('graminsta-api');
    // No storage role in production: photos go to the bucket and come from the CDN, not this host.
    expect(services.map((s) => s.metadata?.name)).not.toContain('graminsta-storage');
    expect(route('/ws')).toBe('graminsta-realtime');
  });

  it('refuses every visitor the metrics the pods serve, and only those', () => {
    const deny = (path: string) =>
      routeOf(manifests, DEFAULT_OPTIONS.host, path)?.ingress.metadata?.annotations?.[
        `${NGINX}/denylist-source-range`
      ];
    expect(deny('/metrics')).toBe('0.0.0.0/0,::/0');
    for (const path of ['/', '/metrics/x', '/api/v1/feed', '/storage/blobs/a', '/ws', '/u/metrics']) {
      expect(deny(path), path).toBeUndefined();
    }
  });

  it('reaches only Services and ports that exist', () => {
    for (const ingress of ingresses) {
      for (const path of ingress.spec?.rules?.flatMap((r) => r.http?.paths ?? []) ?? []) {
        const backend = path.backend.service!;
        const svc = services.find((s) => s.metadata?.name === backend.name);
        expect(svc, `${ingress.metadata?.name} ${path.path}`).toBeDefined();
        expect(
          svc!.spec?.ports?.some((p) => p.name === backend.port?.name || p.port === backend.port?.number),
        ).toBe(true);
      }
    }
  });

  it('serves one host over TLS through one ingress class', () => {
    for (const ingress of ingresses) {
      expect(ingress.spec?.ingressClassName).toBe(DEFAULT_OPTIONS.ingressClassName);
      expect(ingress.spec?.rules?.map((r) => r.host)).toEqual([DEFAULT_OPTIONS.host]);
      expect(ingress.spec?.tls).toEqual([
        { hosts: [DEFAULT_OPTIONS.host], secretName: DEFAULT_OPTIONS.tlsSecretName },
      ]);
    }
    const plain = ofKind(buildManifests({ tlsSecretName: null }), 'ConfigMap')[0]!.data!;
    expect(plain.PUBLIC_API_URL).toBe(`http://${DEFAULT_OPTIONS.host}`);
  });

  it('takes no photo bodies (they go to the bucket), and keeps sockets open between pings', () => {
    const annotationsFor = (path: string) =>
      ingresses.find((i) => i.spec?.rules?.some((r) => r.http?.paths.some((p) => p.path === path)))?.metadata
        ?.annotations ?? {};
    for (const ingress of ingresses) {
      const body = ingress.metadata?.annotations?.[`${NGINX}/proxy-body-size`] ?? '1m';
      expect(quantity(body.replace(/m$/, 'Mi')), ingress.metadata?.name).toBeLessThanOrEqual(1024 * 1024);
    }
    const ws = annotationsFor('/ws');
    // The server pings every 30 s; nginx's default 60 s would already pass, an hour is ample.
    expect(Number(ws[`${NGINX}/proxy-read-timeout`])).toBeGreaterThanOrEqual(3600);
    expect(Number(ws[`${NGINX}/proxy-send-timeout`])).toBeGreaterThanOrEqual(3600);
  });
});

describe('HorizontalPodAutoscalers', () => {
  const hpas = ofKind(manifests, 'HorizontalPodAutoscaler');

  it('scale the API and the web tier on CPU, from the planned replicas', () => {
    expect(hpas.map((h) => [h.spec?.scaleTargetRef.name, h.spec?.minReplicas])).toEqual([
      ['graminsta-api', 3],
      ['graminsta-web', 2],
    ]);
    for (const h of hpas) {
      expect(h.spec?.metrics).toEqual([
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ]);
      expect(h.spec!.maxReplicas).toBeGreaterThan(h.spec!.minReplicas!);
    }
  });

  it('each target a Deployment that requests CPU and leaves its replica count to the autoscaler', () => {
    for (const h of hpas) {
      const ref = h.spec!.scaleTargetRef;
      const target = deployments.find((d) => d.metadata?.name === ref.name);
      expect([ref.apiVersion, ref.kind, target?.kind]).toEqual(['apps/v1', 'Deployment', 'Deployment']);
      expect(target!.spec?.replicas).toBeUndefined();
      expect(quantity(containerOf(target!).resources?.requests?.cpu)).toBeGreaterThan(0);
    }
  });
});

describe('the worker ScaledObject (KEDA)', () => {
  // The PostgreSQL queue (QUEUE=postgres): KEDA counts the jobs table itself.
  const onPostgres = buildManifests({ queue: 'postgres' });
  const scaled = ofKind(onPostgres, 'ScaledObject').filter(
    (s) => s.spec.scaleTargetRef.name === 'graminsta-worker',
  );

  it('scales the worker Deployment on the queue depth, from one pod, reading DATABASE_URL from its container', () => {
    expect(ofKind(onPostgres, 'ConfigMap')[0]!.data).toMatchObject({ QUEUE: 'postgres', PUBSUB: 'postgres' });
    expect(scaled.map((s) => s.spec.scaleTargetRef.name)).toEqual(['graminsta-worker']);
    const [worker] = scaled;
    const target = deployments.find((d) => d.metadata?.name === 'graminsta-worker')!;
    expect(target.spec?.replicas).toBeUndefined();
    expect(worker!.spec.minReplicaCount).toBe(1);
    expect(worker!.spec.maxReplicaCount).toBeGreaterThan(1);
    const [trigger] = worker!.spec.triggers;
    expect(trigger).toMatchObject({ type: 'postgresql', metricType: 'AverageValue' });
    if (trigger?.type !== 'postgresql') throw new Error('not the postgresql trigger');
    expect(trigger.metadata.query).toBe(QUEUE_DEPTH_QUERY);
    expect(Number(trigger.metadata.targetQueryValue)).toBeGreaterThan(0);
    const env = containerOf(target).env?.find((e) => e.name === trigger.metadata.connectionFromEnv);
    expect(env?.valueFrom?.secretKeyRef?.key).toBe('DATABASE_URL');
    // The worker is scaled by KEDA alone: no CPU autoscaler competes for it.
    expect(
      ofKind(manifests, 'HorizontalPodAutoscaler').map((h) => h.spec?.scaleTargetRef.name),
    ).not.toContain('graminsta-worker');
  });

  it('on BullMQ (the default with Redis), scales on the queue depth Prometheus has from the pods', () => {
    // Resolved from REDIS_URL by each pod (packages/platform/src/config.ts), not set here.
    expect(configMap.data).not.toHaveProperty('QUEUE');
    expect(configMap.data).not.toHaveProperty('PUBSUB');
    const worker = ofKind(manifests, 'ScaledObject').find(
      (s) => s.spec.scaleTargetRef.name === 'graminsta-worker',
    )!;
    expect(worker.spec.minReplicaCount).toBe(1);
    expect(worker.spec.triggers).toEqual([
      {
        type: 'prometheus',
        metricType: 'AverageValue',
        metadata: {
          serverAddress: DEFAULT_OPTIONS.prometheusUrl,
          query: BULLMQ_DEPTH_QUERY,
          threshold: '4',
          activationThreshold: '0',
        },
      },
    ]);
    // Waiting and running photo jobs, as one process reports them: not summed over the pods.
    expect(BULLMQ_DEPTH_QUERY).toMatch(/^max\(graminsta_queue_jobs\{job="photo.process",state="waiting"\}\)/);
    expect(BULLMQ_DEPTH_QUERY).toContain('state="active"');
  });
});

describe('the realtime tier (stage 6)', () => {
  const scaled = ofKind(manifests, 'ScaledObject').find(
    (s) => s.spec.scaleTargetRef.name === 'graminsta-realtime',
  );
  const realtime = deployments.find((d) => d.metadata?.name === 'graminsta-realtime')!;
  const api = deployments.find((d) => d.metadata?.name === 'graminsta-api')!;

  it('runs as its own Deployment; the API pods carry no sockets', () => {
    expect(containerOf(realtime).args).toEqual(['start', '--roles', 'realtime']);
    expect(containerOf(api).args).toEqual(['start', '--roles', 'api']);
    const services = ofKind(manifests, 'Service').map((s) => s.metadata?.name);
    expect(services).toContain('graminsta-realtime');
  });

  it('is scaled by KEDA on open sockets per pod from Prometheus, from two pods, and by nothing else', () => {
    expect(scaled).toBeDefined();
    expect(realtime.spec?.replicas).toBeUndefined();
    expect(scaled!.spec.minReplicaCount).toBe(2);
    expect(scaled!.spec.maxReplicaCount).toBeGreaterThan(2);
    expect(scaled!.spec.triggers).toEqual([
      {
        type: 'prometheus',
        metricType: 'AverageValue',
        metadata: {
          serverAddress: DEFAULT_OPTIONS.prometheusUrl,
          query: 'sum(graminsta_realtime_connections)',
          threshold: '5000',
          activationThreshold: '0',
        },
      },
    ]);
    expect(
      ofKind(manifests, 'HorizontalPodAutoscaler').map((h) => h.spec?.scaleTargetRef.name),
    ).not.toContain('graminsta-realtime');
    const other = buildManifests({ prometheusUrl: 'http://prom.example:9090' });
    const again = ofKind(other, 'ScaledObject').find(
      (s) => s.spec.scaleTargetRef.name === 'graminsta-realtime',
    );
    expect(again!.spec.triggers[0]!.metadata).toMatchObject({ serverAddress: 'http://prom.example:9090' });
  });

  it('gets the replicas and Redis from the Secret, optional', () => {
    for (const d of [api, realtime]) {
      const refs = (containerOf(d).env ?? []).filter((e) => e.valueFrom?.secretKeyRef);
      for (const key of ['REDIS_URL', 'DATABASE_REPLICA_URLS'])
        expect(refs.find((e) => e.name === key)?.valueFrom?.secretKeyRef).toMatchObject({
          key,
          optional: true,
        });
    }
    expect(configMap.data).not.toHaveProperty('DATABASE_REPLICA_URLS');
  });
});

describe('PodDisruptionBudgets', () => {
  const pdbs = ofKind(manifests, 'PodDisruptionBudget');

  it('cover the API, web and realtime, each matching one Deployment that keeps a pod up', () => {
    expect(pdbs.map((p) => p.metadata?.name)).toEqual([
      'graminsta-api',
      'graminsta-web',
      'graminsta-realtime',
    ]);
    for (const pdb of pdbs) {
      const selected = deploymentsSelectedBy(manifests, pdb.spec?.selector?.matchLabels);
      expect(selected.map((d) => d.metadata?.name)).toEqual([pdb.metadata?.name]);
      const hpa = ofKind(manifests, 'HorizontalPodAutoscaler').find(
        (h) => h.metadata?.name === pdb.metadata?.name,
      );
      const keda = ofKind(manifests, 'ScaledObject').find((s) => s.metadata.name === pdb.metadata?.name);
      const minPods =
        hpa?.spec?.minReplicas ?? keda?.spec.minReplicaCount ?? selected[0]!.spec?.replicas ?? 1;
      expect(pdb.spec?.maxUnavailable).toBe(1);
      expect(minPods).toBeGreaterThan(1);
    }
  });
});
