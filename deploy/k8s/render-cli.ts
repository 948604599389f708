// `npm run k8s:render [-- --image REF --host NAME --namespace NS --out FILE]`: writes the manifests.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildManifests, type ManifestOptions } from './manifests.ts';
import { GENERATED_FILE, renderYaml } from './render.ts';

const { values } = parseArgs({
  options: {
    image: { type: 'string' },
    host: { type: 'string' },
    namespace: { type: 'string' },
    'ingress-class': { type: 'string' },
    'tls-secret': { type: 'string' },
    's3-bucket': { type: 'string' },
    's3-region': { type: 'string' },
    's3-endpoint': { type: 'string' },
    'cdn-url': { type: 'string' },
    'cdn-purge-urls': { type: 'string' },
    queue: { type: 'string' },
    prometheus: { type: 'string' },
    out: { type: 'string' },
  },
});

const overrides: Partial<ManifestOptions> = {};
if (values.image) overrides.image = values.image;
if (values.host) overrides.host = values.host;
if (values.namespace) overrides.namespace = values.namespace;
if (values['ingress-class']) overrides.ingressClassName = values['ingress-class'];
// An empty value turns TLS off: `--tls-secret=`.
if (values['tls-secret'] !== undefined) overrides.tlsSecretName = values['tls-secret'] || null;
if (values['s3-bucket']) overrides.s3Bucket = values['s3-bucket'];
if (values['s3-region']) overrides.s3Region = values['s3-region'];
// An S3-compatible store other than AWS usually wants path-style addressing.
if (values['s3-endpoint'])
  Object.assign(overrides, { s3Endpoint: values['s3-endpoint'], s3ForcePathStyle: true });
if (values['cdn-url']) overrides.cdnUrl = values['cdn-url'];
if (values['cdn-purge-urls']) overrides.cdnPurgeUrls = values['cdn-purge-urls'].split(',').filter(Boolean);
if (values.queue === 'bullmq' || values.queue === 'postgres') overrides.queue = values.queue;
else if (values.queue) throw new Error('--queue must be bullmq or postgres');
if (values.prometheus) overrides.prometheusUrl = values.prometheus;

const out = values.out ? resolve(values.out) : GENERATED_FILE;
await mkdir(dirname(out), { recursive: true });
await writeFile(out, await renderYaml(buildManifests(overrides)));
console.log(`Wrote ${out}`);
