import type { Config } from '@graminsta/platform';

/** What the browser needs to know at run time: where the API is (same origin when unset). */
export function webClientConfig(config: Config): { apiUrl: string } {
  const sameOrigin = !config.PUBLIC_API_URL || config.roles.includes('api');
  return { apiUrl: sameOrigin ? '' : config.PUBLIC_API_URL!.replace(/\/$/, '') };
}

const origin = (url: string | undefined) => (url ? new URL(url).origin : null);
const wsOrigin = (o: string) => o.replace(/^http/, 'ws');

/** Only our own scripts run: an injected <script> or inline handler is refused by the browser. */
export function contentSecurityPolicy(config: Config): string {
  const api = origin(config.PUBLIC_API_URL);
  const storage = origin(config.PUBLIC_STORAGE_URL) ?? api;
  const cdn = origin(config.CDN_URL);
  // Stage 5: the page sends presigned uploads straight to the object store.
  const objectStore = origin(config.S3_PUBLIC_ENDPOINT ?? config.S3_ENDPOINT);
  const extra = (list: (string | null)[]) => [...new Set(list.filter((x): x is string => !!x))].join(' ');
  const connect = extra([api, api && wsOrigin(api), storage, objectStore]);
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob: ${extra([storage, cdn])}`.trim(),
    `connect-src 'self' ${connect}`.trim(),
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
