import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * Which hops to believe about the client's address: only the configured balancers
 * (TRUSTED_PROXIES). With none configured, X-Forwarded-For is ignored and the socket's
 * address is the client's, so a header cannot reset a per-address limit.
 */
export function compileTrust(trustedProxies: readonly string[]): TrustProxy {
  if (trustedProxies.length === 0) return () => false;
  return proxyAddr.compile([...trustedProxies]);
}

/** The client's address for a raw request (a WebSocket upgrade), by the same rule Fastify uses. */
export function clientAddress(req: IncomingMessage, trust: TrustProxy): string {
  if (!req.socket.remoteAddress) return 'unknown';
  return proxyAddr(req, trust);
}
