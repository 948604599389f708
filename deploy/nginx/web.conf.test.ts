import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@graminsta/platform';
import { contentSecurityPolicy } from '@graminsta/server/web/web-config';
import { freePort, startNginx, type NginxProcess } from '@graminsta/topology';
import { renderWebConf } from './render.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DIST = fileURLToPath(new URL('../../apps/web/dist/', import.meta.url));
const ENV = { PUBLIC_API_URL: 'http://api.graminsta.test:4100', CDN_URL: 'https://cdn.graminsta.test' };
const IMMUTABLE = 'public, max-age=31536000, immutable';

describe('deploy/nginx/web.conf: the built client served by a real nginx', () => {
  let nginx: NginxProcess;
  let base: string;
  let indexHtml: string;

  beforeAll(async () => {
    // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
    execFileSync(process.execPath, ['scripts/ensure-web-build.mjs'], {
      cwd: REPO,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'inherit',
    });
    indexHtml = readFileSync(`${DIST}index.html`, 'utf8');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const conf = renderWebConf({
      listen: `127.0.0.1:${port}`,
      root: DIST,
      env: ENV,
      // A root master would hand requests to "nobody", who may not read a checkout under /root.
      user: process.getuid?.() === 0 ? 'root' : undefined,
    });
    nginx = await startNginx(conf, `${base}/healthz`);
  }, 120_000);
  afterAll(async () => {
    await nginx?.stop();
  });

  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, headers: res.headers, body: await res.text() };
  };
  const csp = contentSecurityPolicy(loadConfig(ENV));

  it('serves index.html uncached, with the same CSP as the Node web role', async () => {
    for (const path of ['/', '/index.html']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control'), path).toBe('no-cache');
      expect(res.headers.get('content-security-policy'), path).toBe(csp);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.body, path).toBe(indexHtml);
    }
    // The build itself loads the runtime config, before its bundle.
    expect(indexHtml.indexOf('<script src="/config.js"></script>')).toBeGreaterThan(-1);
    expect(indexHtml.indexOf('/config.js')).toBeLessThan(indexHtml.indexOf('/assets/'));
  });

  it('serves the hashed assets as immutable', async () => {
    const assets = [...indexHtml.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const res = await get(asset);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('cache-control'), asset).toBe(IMMUTABLE);
      expect(res.headers.get('content-type'), asset).toMatch(/^(application|text)\/(javascript|css)/);
      expect(res.body, asset).toBe(readFileSync(`${DIST}${asset.slice(1)}`, 'utf8'));
    }
    expect((await get('/assets/index-missing.js')).status).toBe(404);
  });

  it('answers every client route with the page', async () => {
    for (const path of ['/u/ana', '/p/7166', '/search?q=an', '/tags/sunset', '/account/edit']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe('no-cache');
      expect(res.headers.get('content-security-policy'), path).toBe(csp);
      expect(res.body, path).toBe(indexHtml);
    }
  });

  it('serves the runtime config that points the client at the API', async () => {
    const res = await get('/config.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.body).toBe(`window.__GRAMINSTA__ = {"apiUrl":"${ENV.PUBLIC_API_URL}"};`);
  });

  it('serves the service worker, the manifest and the offline page the app installs from', async () => {
    const sw = await get('/sw.js');
    expect(sw.status).toBe(200);
    expect(sw.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    expect(sw.body).toBe(readFileSync(`${DIST}sw.js`, 'utf8'));

    const manifest = await get('/manifest.webmanifest');
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('content-type')).toMatch(/^application\/manifest\+json/);
    expect(manifest.headers.get('cache-control')).toBe('no-cache');
    expect(JSON.parse(manifest.body)).toMatchObject({ start_url: '/', display: 'standalone' });
    expect(indexHtml).toContain('<link rel="manifest" href="/manifest.webmanifest">');

    const offline = await get('/offline.html');
    expect(offline.status).toBe(200);
    expect(offline.headers.get('content-type')).toMatch(/^text\/html/);
    expect(offline.headers.get('content-security-policy')).toBe(csp);

    const icon = await fetch(`${base}/icons/icon-512.png`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/png');
  });

  it('does not pass API paths or missing files off as the page', async () => {
    for (const path of ['/api/v1/me', '/ws', '/storage/x', '/favicon.png']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });
});

describe('renderWebConf', () => {
  it('needs to know where the API is', () => {
    expect(() => renderWebConf({ listen: 8080, root: DIST, env: {} })).toThrow(/PUBLIC_API_URL/);
  });

  it('refuses values that nginx would read as variables or directives', () => {
    expect(() =>
      renderWebConf({ listen: 8080, root: DIST, env: { PUBLIC_API_URL: 'http://api.test/$host' } }),
    ).toThrow(/cannot go into nginx.conf/);
    expect(() =>
      renderWebConf({ listen: '8080; user root', root: DIST, env: { PUBLIC_API_URL: 'http://api.test' } }),
    ).toThrow(/not usable/);
  });
});
