import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@graminsta/topology';
import { createTestApp, type TestApp } from '../testing/test-app.ts';

const OUTSIDER = '203.0.113.9';
const BALANCER = '198.51.100.2';

describe('/metrics beside the API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ROLES: 'api,storage', TRUSTED_PROXIES: BALANCER });
  });
  afterAll(() => t.close());

  const scrape = (remoteAddress: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers });

  it('answers loopback, where the stage-4 supervisor and the bench scrape from', async () => {
    const res = await scrape('127.0.0.1');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('graminsta_http_request_duration_seconds');
    expect((await scrape('::1')).statusCode).toBe(200);
  });

  it('is a 404 for any other address, even with a forged X-Forwarded-For', async () => {
    for (const res of [
      await scrape(OUTSIDER),
      await scrape(OUTSIDER, { 'x-forwarded-for': '127.0.0.1' }),
      await scrape(OUTSIDER, { 'x-forwarded-for': '127.0.0.1, 127.0.0.1' }),
    ]) {
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('graminsta_');
    }
  });

  it('judges a request through a trusted balancer by the address the balancer reports', async () => {
    expect((await scrape(BALANCER, { 'x-forwarded-for': OUTSIDER })).statusCode).toBe(404);
    expect((await scrape(BALANCER, { 'x-forwarded-for': '127.0.0.1' })).statusCode).toBe(200);
  });
});

describe('/metrics with METRICS_PORT and METRICS_ALLOW', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    // The test reaches the port from loopback; loopback counts here as the balancer, and only
    // the scraper's range it reports may read.
    t = await createTestApp({
      ROLES: 'api',
      HOST: '127.0.0.1',
      METRICS_PORT: String(port),
      METRICS_ALLOW: '198.51.100.0/24',
      TRUSTED_PROXIES: '127.0.0.1',
    });
  });
  afterAll(() => t.close());

  const scrape = (forwardedFor?: string) =>
    fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    });

  it('serves metrics on its own port, to the allowed range only', async () => {
    const allowed = await scrape('198.51.100.7');
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('graminsta_http_request_duration_seconds');
    expect((await scrape()).status).toBe(404);
    expect((await scrape(OUTSIDER)).status).toBe(404);
  });

  it('has no /metrics beside the API then', async () => {
    const beside = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '198.51.100.7' });
    expect(beside.statusCode).toBe(404);
  });
});
