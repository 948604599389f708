import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from '@graminsta/platform';
import { Metrics } from './http/metrics.ts';
import { originTrust, type OriginTrust } from './http/origins.ts';
import { createLogger } from './logger.ts';
import { compileTrust, type TrustProxy } from './net/client-address.ts';

/**
 * What every role of a process reads, made once at start-up: the same instance id in every log
 * line and x-served-by header, the same origin and proxy rules for HTTP and WebSocket.
 */
export interface RuntimeContext {
  config: Config;
  /** The name this process gives in x-served-by and its logs. */
  instanceId: string;
  logger: Logger;
  metrics: Metrics;
  /** Page origins that may act with the session cookie (HTTP writes and /ws). */
  originTrust: OriginTrust;
  /** Which hops may name the client's address (TRUSTED_PROXIES). */
  trustProxy: TrustProxy;
  urls: PublicUrls;
}

export interface PublicUrls {
  /** Where clients reach the API: PUBLIC_API_URL, or this process once it listens on `port`. */
  api(port: number): string;
  /** Where this process itself listens on `port`, whatever the public URL says. */
  self(port: number): string;
  /** The base of stored-object links; relative to the API's origin when no public URL is set. */
  storage: string;
  /** Whether clients reach this deployment over HTTPS (HSTS, Secure cookies). */
  https: { api: boolean; web: boolean };
}

export interface RuntimeOptions {
  /** Overrides the configured instance id (tests name their app). */
  instanceId?: string;
  /** Overrides the logger built from LOG_LEVEL (tests capture or silence it). */
  logger?: Logger;
  /** Whether to collect Node's default process metrics (off in tests that build many apps). */
  defaultMetrics?: boolean;
}

export function createRuntime(config: Config, opts: RuntimeOptions = {}): RuntimeContext {
  const instanceId = opts.instanceId ?? config.INSTANCE_ID ?? `${hostname()}:${process.pid}`;
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL, instanceId);
  const metrics = new Metrics(opts.defaultMetrics ?? true);
  metrics.watchSlowQueries({ thresholdMs: config.SLOW_QUERY_MS, logger });
  return {
    config,
    instanceId,
    logger,
    metrics,
    originTrust: originTrust(config),
    trustProxy: compileTrust(config.TRUSTED_PROXIES),
    urls: publicUrls(config),
  };
}

const isHttps = (url: string | undefined) => url?.startsWith('https:') ?? false;

function publicUrls(config: Config): PublicUrls {
  const self = (port: number) => {
    const wildcard = config.HOST === '0.0.0.0' || config.HOST === '::';
    const host = wildcard ? 'localhost' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
    return `http://${host}:${port}`;
  };
  return {
    api: (port) => config.PUBLIC_API_URL ?? self(port),
    self,
    // With no public URL configured (stage 1), storage links are relative to the API's origin,
    // so they work whichever host name the browser used to reach this process.
    storage: `${config.PUBLIC_STORAGE_URL ?? config.PUBLIC_API_URL ?? ''}/storage`,
    https: { api: isHttps(config.PUBLIC_API_URL), web: isHttps(config.PUBLIC_WEB_URL) },
  };
}
