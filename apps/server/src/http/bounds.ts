import type { ServerOptions } from 'node:http';
import type { Config } from '@graminsta/platform';

/** Fastify options that bound every HTTP listener of a process (the API's and the metrics port's). */
export interface ListenerBounds {
  connectionTimeout: number;
  keepAliveTimeout: number;
  requestTimeout: number;
  http: ServerOptions;
}

/**
 * How long a client may hold a connection without progress. Without these a client that sends
 * ten bytes of a declared body (or trickles its headers) and waits keeps its socket for good.
 */
export function listenerBounds(config: Config): ListenerBounds {
  const requestTimeout = config.HTTP_REQUEST_TIMEOUT_MS;
  // Node refuses a header time longer than the whole-request time.
  const headersTimeout = Math.min(config.HTTP_HEADERS_TIMEOUT_MS, requestTimeout);
  return {
    // Idle socket: no byte in either direction for this long (a stalled body).
    connectionTimeout: config.HTTP_IDLE_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEPALIVE_TIMEOUT_MS,
    requestTimeout,
    // No maxRequestsPerSocket: past it Node answers 503, which a pipelining client would see.
    http: {
      maxHeaderSize: config.HTTP_MAX_HEADER_BYTES,
      headersTimeout,
      requestTimeout,
      // Node checks header and request deadlines on this tick (30 s by default, longer than short bounds).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 4))),
    },
  };
}
