import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, writeNginxConf } from '@graminsta/topology';
import { edgeConfFromEnv } from './edge.ts';

describe('deploy/nginx/edge.ts: the edge config for a deployment', () => {
  const env = {
    S3_ENDPOINT: 'http://minio.internal:9000',
    S3_BUCKET: 'photos-prod',
    EDGE_LISTEN: '0.0.0.0:8080',
    EDGE_PURGE_LISTEN: '10.0.0.5:8081',
    EDGE_PURGE_ALLOW: '10.0.0.0/8, 127.0.0.1',
  };

  it('renders a config nginx accepts, purge allow-listed, no root worker', async () => {
    const conf = edgeConfFromEnv(env);
    expect(conf).toContain('proxy_pass http://store/photos-prod$uri;');
    expect(conf).toContain('server minio.internal:9000;');
    expect(conf).toMatch(
      /listen 10\.0\.0\.5:8081;\n\s+allow 10\.0\.0\.0\/8;\n\s+allow 127\.0\.0\.1;\n\s+deny all;/,
    );
    expect(conf).not.toMatch(/^user /m);
    const prefix = await mkdtemp(join(tmpdir(), 'graminsta-edge-conf-'));
    try {
      // nginx -t resolves the upstream and binds the listeners: the same config on loopback.
      const local = edgeConfFromEnv({
        ...env,
        S3_ENDPOINT: 'http://127.0.0.1:9000',
        EDGE_LISTEN: `127.0.0.1:${await freePort()}`,
        EDGE_PURGE_LISTEN: `127.0.0.1:${await freePort()}`,
      });
      await writeNginxConf(prefix, local);
    } finally {
      await rm(prefix, { recursive: true, force: true });
    }
  });

  it('refuses what cannot go into nginx.conf or has no store', () => {
    expect(() => edgeConfFromEnv({ ...env, S3_ENDPOINT: undefined })).toThrow(/S3_ENDPOINT/);
    expect(() => edgeConfFromEnv({ ...env, S3_ENDPOINT: 'https://s3.amazonaws.com' })).toThrow(/plain HTTP/);
    expect(() => edgeConfFromEnv({ ...env, S3_BUCKET: 'a;b{}' })).toThrow();
    expect(() => edgeConfFromEnv({ ...env, EDGE_PURGE_ALLOW: '1.2.3.4; allow all' })).toThrow(
      /purge address/,
    );
  });
});
