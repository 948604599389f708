/**
 * Renders the nginx configs of the stage-4 load balancers (one nginx process per tier). Paths are
 * relative to nginx's prefix folder, and the pid file and error log come from its command line
 * (nginx.ts), so one config runs under any prefix.
 */
import { HTTP_PRELUDE, NGINX_STATUS_LOCATION } from './nginx.ts';

export interface BalancerConfig {
  listenHost: string;
  listenPort: number;
  /** Instances of the tier: host:port. */
  upstreams: string[];
  /** API tier only: the storage role's instances (host:port) behind /storage/. */
  storage?: string[];
  /** API tier only: forward WebSocket upgrades on /ws. */
  websockets?: boolean;
  /**
   * Stage 6: the realtime tier's instances (host:port); /ws goes to them instead of `upstreams`,
   * each new socket to the instance holding the fewest (`least_conn`). Implies `websockets`.
   */
  websocketsUpstreams?: string[];
  /**
   * Send each request to the instance with the fewest open connections (the default for every
   * upstream): a slow instance gets less, not an equal share. `false` for plain round robin.
   */
  leastConn?: boolean;
}

const common = () => `
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 2048; }
http {
${HTTP_PRELUDE}
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
`;

// Passive health: a failed instance is skipped for a few seconds. Idempotent requests that hit a
// dead or draining instance are retried on the next one; POSTs are retried only when nginx could
// not even connect (nothing was sent), so a write is never sent twice by the balancer.
// least_conn: the least-loaded instance takes the next request, as an autoscaled tier needs (a
// new instance starts with none and takes its share at once).
const upstream = (name: string, servers: string[], leastConn = true) => `
  upstream ${name} {${leastConn ? '\n    least_conn;' : ''}
${servers.map((s) => `    server ${s} max_fails=1 fail_timeout=3s;`).join('\n')}
  }
`;

// X-Forwarded-For is overwritten with the peer's address, never appended to: the instances trust
// this balancer (TRUSTED_PROXIES), so a header the client made up must not reach them.
const proxyDefaults = `
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Request-Id $request_id;
      proxy_set_header Connection "";
      proxy_connect_timeout 2s;
      proxy_next_upstream error timeout http_502 http_503 http_504;
      proxy_next_upstream_tries 3;
      proxy_next_upstream_timeout 10s;`;

export function renderBalancer(c: BalancerConfig): string {
  const storage = c.storage
    ? `
    location /storage/ {
      proxy_pass http://storage;
      client_max_body_size 25m;
      proxy_request_buffering off;${proxyDefaults}
    }`
    : '';
  // A socket the balancer could not connect goes to the next instance (nginx's default
  // proxy_next_upstream); one that was open closes with its instance, and the client reconnects here.
  const ws =
    c.websockets || c.websocketsUpstreams
      ? `
    location = /ws {
      proxy_pass http://${c.websocketsUpstreams ? 'realtime' : 'tier'};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
    }`
      : '';
  const realtime = c.websocketsUpstreams ? upstream('realtime', c.websocketsUpstreams, true) : '';
  return `${common()}${upstream('tier', c.upstreams, c.leastConn ?? true)}${c.storage ? upstream('storage', c.storage, c.leastConn ?? true) : ''}${realtime}
  server {
    listen ${c.listenHost}:${c.listenPort};
    client_max_body_size 1m;
    location / {
      proxy_pass http://tier;${proxyDefaults}
    }${storage}${ws}${NGINX_STATUS_LOCATION}
  }
}
`;
}
