/**
 * The stage-5 edge: nginx's proxy_cache in front of the object store, standing in for a CDN.
 * Like the balancers' configs, paths are relative to nginx's prefix folder, and the pid file and
 * error log come from its command line (nginx.ts).
 */
import { HTTP_PRELUDE, NGINX_STATUS_LOCATION } from './nginx.ts';

export interface EdgeConfig {
  listenHost: string;
  listenPort: number;
  /** The object store, host:port (path-style: /bucket/key). */
  origin: string;
  bucket: string;
  /** Where PURGE is taken: a listener of its own, never the public one. */
  purgeHost: string;
  purgePort: number;
  /** Addresses allowed to purge (nginx `allow` values); everyone else gets 403. */
  purgeAllow: readonly string[];
  /** nginx worker processes ('auto': one per core). */
  workers?: number | 'auto';
  /** The cache's size bound, e.g. '1g'. */
  maxSize?: string;
  /** Worker user; unset: root when the master runs as root (loopback stages), null: nginx's default. */
  user?: string | null;
  /**
   * Where a syslog line per public object request goes (UDP), with the cache's outcome, status and
   * bytes: the edge cache exporter (`graminsta up --monitor`) counts them. Unset: no such log.
   */
  cacheLog?: { host: string; port: number };
}

/** What precedes each edge log line's fields; the exporter looks for it. */
export const EDGE_LOG_MARK = 'graminsta-edge';

export const CACHE_PURGE_MODULE = '/usr/lib/nginx/modules/ngx_http_cache_purge_module.so';
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The only paths the edge serves: content-addressed variants (`p/<post id>/<sha-256>.webp|avif`,
 * the worker's keys, and `seed/<sha-256>…`, the benchmark seed's). Anything else, `uploads/`
 * above all, is answered by nginx itself and never reaches the store.
 */
export const PUBLIC_KEY_PATTERN = '^/(?:p/[0-9]{1,20}|seed)/[0-9a-f]{64}\\.(?:webp|avif)$';

// Headers of the store that describe its internals or its own caching: a viewer gets ours.
const HIDDEN = [
  'Cache-Control',
  'Expires',
  'Set-Cookie',
  'Server',
  'x-amz-request-id',
  'x-amz-id-2',
  'x-amz-version-id',
  'x-amz-delete-marker',
  'x-amz-expiration',
  'x-amz-restore',
  'x-amz-server-side-encryption',
  'x-amz-storage-class',
  'x-amz-replication-status',
  'x-amz-tagging-count',
  'x-amz-website-redirect-location',
  'x-amz-object-lock-mode',
  'x-amz-mp-parts-count',
];

const safeToken = (what: string, value: string, pattern: RegExp) => {
  if (!pattern.test(value)) throw new Error(`${what} cannot go into nginx.conf: ${value}`);
  return value;
};

function workerUser(user: string | null | undefined): string {
  if (user === null) return '';
  if (user === undefined) return process.getuid?.() === 0 ? 'user root;' : '';
  return `user ${safeToken('user', user, /^[\w.-]+$/)};`;
}

export function renderEdge(c: EdgeConfig): string {
  const bucket = safeToken('bucket', c.bucket, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
  const origin = safeToken('origin', c.origin, /^[\w.-]+:\d+$/);
  const allow = c.purgeAllow.map((a) => safeToken('purge address', a, /^[\w.:/]+$/));
  const cacheLog = c.cacheLog
    ? `      access_log syslog:server=${safeToken('log host', c.cacheLog.host, /^[\w.:-]+$/)}:${Number(c.cacheLog.port)},tag=edge,nohostname edge_cache;\n`
    : '';
  return `load_module ${CACHE_PURGE_MODULE};
worker_processes ${c.workers ?? 1};
worker_rlimit_nofile 16384;
${workerUser(c.user)}
events { worker_connections 4096; }
http {
${HTTP_PRELUDE}
  sendfile on;
  tcp_nopush on;

  # Listener bounds: a read carries a few small headers and no body.
  client_header_buffer_size 1k;
  large_client_header_buffers 4 8k;
  client_max_body_size 1k;
  client_header_timeout 10s;
  client_body_timeout 10s;
  send_timeout 30s;
  keepalive_timeout 30s;
  keepalive_requests 10000;
  reset_timedout_connection on;

  # One line per object request for the cache exporter (only where cacheLog is set).
  log_format edge_cache '${EDGE_LOG_MARK} $upstream_cache_status $status $body_bytes_sent';

  proxy_cache_path cache levels=1:2 keys_zone=edge:16m max_size=${c.maxSize ?? '1g'} inactive=7d use_temp_path=off;

  upstream store {
    server ${origin};
    keepalive 32;
  }

  map $status $edge_cache_control {
    ~^(200|206|304)$ "${IMMUTABLE}";
    404 "public, max-age=10";
    default "no-store";
  }

  server {
    listen ${c.listenHost}:${c.listenPort} reuseport;

    add_header X-Content-Type-Options nosniff always;
    # A stored object never runs as a page, whatever its bytes.
    add_header Content-Security-Policy "sandbox; default-src 'none'; style-src 'unsafe-inline'" always;

    location ~ "${PUBLIC_KEY_PATTERN}" {
      if ($request_method !~ ^(GET|HEAD)$) { return 405; }
      # The path is the key as the pattern allowed it; no query string, no client header reaches the store.
      proxy_pass http://store/${bucket}$uri;
      proxy_pass_request_headers off;
      proxy_pass_request_body off;
      proxy_http_version 1.1;
      proxy_set_header Host ${origin};
      proxy_set_header Connection "";
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;

      proxy_cache edge;
      proxy_cache_key $uri;
      # A cold object asked for by many viewers at once is fetched from the store once.
      proxy_cache_lock on;
      proxy_cache_lock_timeout 30s;
      proxy_cache_lock_age 30s;
      # Keys are content-addressed: a 200 never changes (deletion purges it); a 404 may turn into
      # an object only if its post is made later, so it is kept briefly.
      proxy_cache_valid 200 365d;
      proxy_cache_valid 404 10s;
      proxy_ignore_headers Cache-Control Expires Set-Cookie Vary X-Accel-Expires X-Accel-Buffering;
      proxy_cache_use_stale error timeout updating;
      # The store's refusals and failures are answered by nginx itself. A 404 passes through as the
      # store wrote it (it names only the key asked for): intercepted, it would be cached as an
      # entry without a file, which ngx_cache_purge cannot remove (it answers 500).
      proxy_intercept_errors on;
      error_page 403 =404 @missing;
      error_page 500 502 503 504 =502 @failed;
${HIDDEN.map((h) => `      proxy_hide_header ${h};`).join('\n')}

      add_header Cache-Control $edge_cache_control always;
      add_header X-Cache-Status $upstream_cache_status always;
      add_header X-Content-Type-Options nosniff always;
      add_header Content-Security-Policy "sandbox; default-src 'none'; style-src 'unsafe-inline'" always;
${cacheLog}    }

    location @missing {
      add_header Cache-Control $edge_cache_control always;
      add_header X-Cache-Status $upstream_cache_status always;
      add_header X-Content-Type-Options nosniff always;
${cacheLog}      return 404;
    }

    location @failed {
      add_header Cache-Control no-store always;
      add_header X-Cache-Status $upstream_cache_status always;
${cacheLog}      return 502;
    }

    location = /healthz {
      default_type application/json;
      return 200 '{"ok":true}';
    }
${NGINX_STATUS_LOCATION}

    location / {
      return 404;
    }
  }

  # Purges: PURGE <base>/<key> drops the key's cached copy (200), or finds none (404).
  server {
    listen ${c.purgeHost}:${c.purgePort};
${allow.map((a) => `    allow ${a};`).join('\n')}
    deny all;
    location / {
      if ($request_method != PURGE) { return 405; }
      proxy_cache_purge edge $uri;
    }
  }
}
`;
}
