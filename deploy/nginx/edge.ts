import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '@graminsta/platform';
import { renderEdge, type EdgeConfig } from '@graminsta/topology';

/**
 * The stage-5 edge's nginx.conf for this environment: the same renderEdge that `graminsta up
 * --stage 5` runs, pointed at S3_ENDPOINT's host and S3_BUCKET (path style, plain HTTP: an
 * S3-compatible store on a private network, such as MinIO). See README.md.
 */
export function edgeConfFromEnv(env: Record<string, string | undefined>): string {
  const config = loadConfig({ ...env, ROLES: 'web' });
  if (!config.S3_ENDPOINT) throw new Error('S3_ENDPOINT is required: the edge caches the object store');
  const origin = new URL(config.S3_ENDPOINT);
  if (origin.protocol !== 'http:')
    throw new Error('the edge reaches its store over plain HTTP on a private network');
  const [host, port] = (env.EDGE_LISTEN ?? '0.0.0.0:8080').split(/:(?=\d+$)/);
  const [purgeHost, purgePort] = (env.EDGE_PURGE_LISTEN ?? '127.0.0.1:8081').split(/:(?=\d+$)/);
  const edge: EdgeConfig = {
    listenHost: host!,
    listenPort: Number(port),
    origin: `${origin.hostname}:${origin.port || '80'}`,
    bucket: config.S3_BUCKET,
    purgeHost: purgeHost!,
    purgePort: Number(purgePort),
    purgeAllow: (env.EDGE_PURGE_ALLOW ?? '127.0.0.1').split(',').map((a) => a.trim()),
    workers: 'auto',
    maxSize: env.EDGE_CACHE_SIZE ?? '10g',
    user: env.NGINX_USER ?? null,
  };
  return renderEdge(edge);
}

// `npx tsx deploy/nginx/edge.ts` prints the config for this environment.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.stdout.write(edgeConfFromEnv(process.env));
}
