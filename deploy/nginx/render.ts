import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfig } from '@graminsta/platform';
import { contentSecurityPolicy, webClientConfig } from '@graminsta/server/web/web-config';

export const WEB_CONF_TEMPLATE = fileURLToPath(new URL('./web.conf', import.meta.url));

export interface WebConfOptions {
  /** `8080`, `127.0.0.1:8080`, `[::]:80`… */
  listen: string | number;
  /** The folder holding the build (apps/web/dist): index.html and assets/. */
  root: string;
  /** Where browsers reach the tiers: PUBLIC_API_URL, and optionally PUBLIC_STORAGE_URL and CDN_URL. */
  env: Record<string, string | undefined>;
  /** Worker user; only needed when the master runs as root and the default user cannot read root. */
  user?: string;
}

// A `$` would be read as an nginx variable; a quote would end the string it sits in.
function safe(value: string, quote: '"' | "'", what: string): string {
  if (value.includes('$') || value.includes('\\') || value.includes(quote)) {
    throw new Error(`${what} cannot go into nginx.conf: ${value}`);
  }
  return value;
}

/** deploy/nginx/web.conf with its slots filled: the same CSP and runtime config as the Node web role. */
export function renderWebConf(opts: WebConfOptions): string {
  const config = loadConfig({ ...opts.env, ROLES: 'web' });
  if (!config.PUBLIC_API_URL) throw new Error('PUBLIC_API_URL is required: the web tier points at the API');
  const configJs = `window.__GRAMINSTA__ = ${JSON.stringify(webClientConfig(config))};`;
  const slots: Record<string, string> = {
    USER: opts.user ? `user ${safe(opts.user, '"', 'user')};` : '',
    LISTEN: String(opts.listen),
    ROOT: safe(resolve(opts.root), '"', 'root'),
    CSP: safe(contentSecurityPolicy(config), '"', 'the CSP'),
    CONFIG_JS: safe(configJs, "'", 'the runtime config'),
  };
  if (/[\s;{}]/.test(slots.ROOT!) || !/^[\w.:[\]]+$/.test(slots.LISTEN!)) {
    throw new Error(`listen (${slots.LISTEN}) or root (${slots.ROOT}) is not usable in nginx.conf`);
  }
  const text = readFileSync(WEB_CONF_TEMPLATE, 'utf8').replace(/\{\{([A-Z_]+)\}\}/g, (_m, name: string) => {
    const value = slots[name];
    if (value === undefined) throw new Error(`web.conf has an unknown slot {{${name}}}`);
    return value;
  });
  return text;
}

// `npx tsx deploy/nginx/render.ts` prints the config for this environment (see README.md).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.stdout.write(
    renderWebConf({
      listen: process.env.PORT ?? 8080,
      root: process.env.WEB_ROOT ?? fileURLToPath(new URL('../../apps/web/dist', import.meta.url)),
      env: process.env,
      user: process.env.NGINX_USER,
    }),
  );
}
