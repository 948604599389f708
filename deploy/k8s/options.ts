import type { Peak } from './peaks.ts';

/** What differs between one deployment of Graminsta and another. */
export interface ManifestOptions {
  namespace: string;
  /** The image built from the root Dockerfile. */
  image: string;
  /** The public host name: the web client, the API, storage and the socket all live under it. */
  host: string;
  ingressClassName: string;
  /** TLS certificate Secret for the host (e.g. made by cert-manager); null serves plain HTTP. */
  tlsSecretName: string | null;
  /** The private bucket photos live in (deploy/README.md, "Object storage and CDN"). */
  s3Bucket: string;
  s3Region: string;
  /** An S3-compatible endpoint other than AWS (MinIO, R2, GCS interop); null for AWS S3 itself. */
  s3Endpoint: string | null;
  s3ForcePathStyle: boolean;
  /** The CDN in front of the bucket: photo URLs are `${cdnUrl}/${key}`. */
  cdnUrl: string;
  /** Bases the worker sends `PURGE ${base}/${key}` to when a photo is deleted (none: the CDN's own API). */
  cdnPurgeUrls: string[];
  /** Stage 6: how long a cached read stays fresh (CACHE_TTL_SECONDS). */
  cacheTtlSeconds: number;
  /** Stage 6: a Redis Cluster's seed nodes (`host:port`); none: the single node of REDIS_URL (the Secret). */
  redisClusterNodes: string[];
  /**
   * Stage 6: where jobs and events travel. `bullmq`: jobs in Redis (BullMQ) and events over Redis
   * pub/sub, so the Secret must hold REDIS_URL; `postgres`: the `jobs` table and LISTEN/NOTIFY.
   */
  queue: 'bullmq' | 'postgres';
  /** The Prometheus KEDA asks for the realtime tier's open sockets (and BullMQ's queue depth). */
  prometheusUrl: string;
  /** Daily peaks: CronJobs raise the role's HPA minimum ahead of each (peaks.ts); none by default. */
  peaks: Peak[];
  /** The IANA time zone the peaks' times are in (CronJob timeZone). */
  peakTimeZone: string;
  /** The image the peak CronJobs run kubectl from. */
  kubectlImage: string;
}

export const DEFAULT_OPTIONS: ManifestOptions = {
  namespace: 'graminsta',
  image: 'registry.example.com/graminsta:latest',
  host: 'graminsta.example.com',
  ingressClassName: 'nginx',
  tlsSecretName: 'graminsta-tls',
  s3Bucket: 'graminsta-photos',
  s3Region: 'eu-west-1',
  s3Endpoint: null,
  s3ForcePathStyle: false,
  cdnUrl: 'https://media.graminsta.example.com',
  cdnPurgeUrls: [],
  cacheTtlSeconds: 30,
  redisClusterNodes: [],
  queue: 'bullmq',
  prometheusUrl: 'http://prometheus-operated.monitoring.svc:9090',
  peaks: [],
  peakTimeZone: 'Etc/UTC',
  kubectlImage: 'registry.k8s.io/kubectl:v1.31.0',
};

export function publicUrl(opts: ManifestOptions): string {
  return `${opts.tlsSecretName ? 'https' : 'http'}://${opts.host}`;
}
