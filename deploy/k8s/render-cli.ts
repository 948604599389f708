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
    'blobs-storage-class': { type: 'string' },
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
if (values['blobs-storage-class']) overrides.blobsStorageClassName = values['blobs-storage-class'];

const out = values.out ? resolve(values.out) : GENERATED_FILE;
await mkdir(dirname(out), { recursive: true });
await writeFile(out, await renderYaml(buildManifests(overrides)));
console.log(`Wrote ${out}`);
