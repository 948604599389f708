import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@graminsta/platform';
import { contentSecurityPolicy } from './web-config.ts';
import { webPlugin } from './web.plugin.ts';

const API = 'http://localhost:4100';
const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-Ab12Cd34.js"></script></head>' +
  '<body><div id="root"></div></body></html>';

describe('the web role (a web-only process in front of an API on another origin)', () => {
  let dist: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'graminsta-dist-'));
    await mkdir(join(dist, 'assets'));
    await writeFile(join(dist, 'index.html'), INDEX);
    await writeFile(join(dist, 'assets/index-Ab12Cd34.js'), 'console.log("app")');
    await writeFile(join(dist, 'robots.txt'), 'User-agent: *\n');
    await writeFile(join(dist, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    await writeFile(join(dist, 'manifest.webmanifest'), '{"name":"Graminsta","start_url":"/"}');
    await writeFile(join(dist, 'offline.html'), '<!doctype html><title>Offline</title>');
    const config = loadConfig({ ROLES: 'web', PUBLIC_API_URL: API });
    app = Fastify();
    await app.register(webPlugin, { config, dist });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await rm(dist, { recursive: true, force: true });
  });

  it('serves index.html uncached, under the CSP, loading the runtime config before the bundle', async () => {
    const res = await app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBe(
      contentSecurityPolicy(loadConfig({ PUBLIC_API_URL: API })),
    );
    const body = res.body;
    expect(body.indexOf('<script src="/config.js"></script>')).toBeGreaterThan(-1);
    expect(body.indexOf('/config.js')).toBeLessThan(body.indexOf('/assets/index-Ab12Cd34.js'));
  });

  it('puts /index.html, asked for by name, under the same CSP and no-cache', async () => {
    const res = await app.inject('/index.html');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBe(
      contentSecurityPolicy(loadConfig({ PUBLIC_API_URL: API })),
    );
  });

  it('leaves a build that loads the runtime config itself as it is', async () => {
    const own = INDEX.replace('<head>', '<head><script src="/config.js"></script>');
    await writeFile(join(dist, 'index.html'), own);
    const other = Fastify();
    await other.register(webPlugin, { config: loadConfig({ ROLES: 'web', PUBLIC_API_URL: API }), dist });
    expect((await other.inject('/u/ana')).body).toBe(own);
    await other.close();
    await writeFile(join(dist, 'index.html'), INDEX);
  });

  it('tells the client where the API is', async () => {
    const res = await app.inject('/config.js');
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body.trim()).toBe(`window.__GRAMINSTA__ = {"apiUrl":"${API}"};`);
  });

  it('serves hashed assets as immutable and other files as revalidated', async () => {
    const asset = await app.inject('/assets/index-Ab12Cd34.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const robots = await app.inject('/robots.txt');
    expect(robots.statusCode).toBe(200);
    expect(robots.headers['cache-control']).toBe('no-cache');
  });

  it('serves the service worker always revalidated, the manifest and the offline page by type', async () => {
    const sw = await app.inject('/sw.js');
    expect(sw.statusCode).toBe(200);
    expect(sw.headers['content-type']).toMatch(/^(application|text)\/javascript/);
    expect(sw.headers['cache-control']).toBe('no-cache');
    const manifest = await app.inject('/manifest.webmanifest');
    expect(manifest.statusCode).toBe(200);
    expect(manifest.headers['content-type']).toMatch(/^application\/manifest\+json/);
    expect(manifest.headers['cache-control']).toBe('no-cache');
    const offline = await app.inject('/offline.html');
    expect(offline.statusCode).toBe(200);
    expect(offline.headers['content-type']).toMatch(/^text\/html/);
    expect(offline.headers['content-security-policy']).toBe(
      contentSecurityPolicy(loadConfig({ PUBLIC_API_URL: API })),
    );
  });

  it('answers client routes with the page, and missing files and API paths with 404', async () => {
    for (const path of ['/u/ana', '/p/123', '/search?q=an', '/tags/sunset']) {
      const res = await app.inject(path);
      expect(res.statusCode, path).toBe(200);
      expect(res.headers['content-security-policy'], path).toContain("script-src 'self'");
      expect(res.body, path).toContain('<div id="root">');
    }
    for (const path of ['/assets/index-gone.js', '/favicon.png', '/api/v1/me', '/ws']) {
      expect((await app.inject(path)).statusCode, path).toBe(404);
    }
  });
});

describe('the content security policy', () => {
  const csp = contentSecurityPolicy(
    loadConfig({
      PUBLIC_API_URL: API,
      CDN_URL: 'https://cdn.example/',
      PUBLIC_STORAGE_URL: 'https://s3.example/b',
    }),
  );
  const directive = (name: string) =>
    csp
      .split('; ')
      .find((d) => d.startsWith(`${name} `))
      ?.split(' ')
      .slice(1);

  it('runs only the site’s own script files: no inline script, handlers or eval', () => {
    expect(directive('script-src')).toEqual(["'self'"]);
    expect(directive('default-src')).toEqual(["'self'"]);
    expect(directive('object-src')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-(inline|eval)|script-src-attr/);
  });

  it('lets the page reach the API, its socket, storage and the CDN, and nothing else', () => {
    expect(directive('connect-src')).toEqual(["'self'", API, 'ws://localhost:4100', 'https://s3.example']);
    expect(directive('img-src')).toEqual([
      "'self'",
      'data:',
      'blob:',
      'https://s3.example',
      'https://cdn.example',
    ]);
  });

  it('lets the page send uploads straight to the object store at stage 5', () => {
    const stage5 = contentSecurityPolicy(
      loadConfig({
        PUBLIC_API_URL: API,
        CDN_URL: 'http://127.0.0.1:4003',
        S3_ENDPOINT: 'http://10.0.0.9:9000',
        S3_PUBLIC_ENDPOINT: 'http://127.0.0.1:4002/',
      }),
    );
    const connect = stage5.split('; ').find((d) => d.startsWith('connect-src '))!;
    expect(connect.split(' ')).toContain('http://127.0.0.1:4002');
    expect(connect).not.toContain('10.0.0.9');
  });
});
