import { describe, expect, it } from 'vitest';
import { renderBalancer } from './balancer.ts';

describe('the stage-4 balancer config', () => {
  const conf = renderBalancer({
    listenHost: '127.0.0.1',
    listenPort: 8081,
    upstreams: ['127.0.0.1:9001', '127.0.0.1:9002'],
    storage: ['127.0.0.1:9101'],
    websockets: true,
  });

  it('overwrites X-Forwarded-For with the peer address in every location, never appends to it', () => {
    const locations = conf.split(/\n\s*location /).slice(1);
    expect(locations).toHaveLength(3);
    for (const location of locations) {
      expect(location).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
    }
    expect(conf).not.toContain('$proxy_add_x_forwarded_for');
    expect(conf).not.toContain('$http_x_forwarded_for');
  });

  it('balances by fewest open connections only when asked (the realtime tier)', () => {
    expect(conf).not.toContain('least_conn');
    const realtime = renderBalancer({
      listenHost: '127.0.0.1',
      listenPort: 8082,
      upstreams: ['127.0.0.1:9201', '127.0.0.1:9202'],
      websockets: true,
      leastConn: true,
    });
    expect(realtime).toMatch(/upstream tier \{\n\s+least_conn;\n\s+server 127\.0\.0\.1:9201/);
  });
});
