import type { Config } from '@graminsta/platform';

/** A page origin may act with the session cookie when this says so. */
export type OriginTrust = (origin: string, host: string | undefined, scheme?: string) => boolean;

const originOf = (url: string): string | null => {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
  } catch {
    return null;
  }
};

/**
 * Which page origins may act with the session cookie: PUBLIC_API_URL, PUBLIC_WEB_URL and
 * CORS_ORIGINS, compared by scheme, host and port. Only when the API has no public URL
 * (stage 1) is its own origin taken from the request: its scheme and the raw Host header,
 * never X-Forwarded-Host, which any client can write. Cookie-authenticated writes and sockets
 * from any other origin are refused (CSRF, cross-site WebSocket hijacking).
 */
export function originTrust(config: Config): OriginTrust {
  const configured = [config.PUBLIC_API_URL, config.PUBLIC_WEB_URL, ...config.CORS_ORIGINS];
  const trusted = new Set(configured.flatMap((url) => (url ? [originOf(url)] : [])));
  const selfFromRequest = !config.PUBLIC_API_URL;
  return (origin, host, scheme = 'http') => {
    const normalised = originOf(origin);
    if (normalised === null) return false;
    if (trusted.has(normalised)) return true;
    if (!selfFromRequest || !host) return false;
    return normalised === originOf(`${scheme}://${host}`);
  };
}
