import type { Config } from '@graminsta/platform';

/**
 * Which page origins may act with the session cookie: the API's own origin, the web tier
 * (PUBLIC_WEB_URL) and the CORS allow-list. Cookie-authenticated writes and sockets from any
 * other origin are refused (CSRF, cross-site WebSocket hijacking).
 */
export function originTrust(config: Config): (origin: string, host: string | undefined) => boolean {
  const trusted = new Set(config.CORS_ORIGINS);
  if (config.PUBLIC_WEB_URL) trusted.add(new URL(config.PUBLIC_WEB_URL).origin);
  return (origin, host) => {
    if (trusted.has(origin)) return true;
    try {
      return host !== undefined && new URL(origin).host === host;
    } catch {
      return false;
    }
  };
}
