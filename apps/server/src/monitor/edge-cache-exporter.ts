import { createSocket, type Socket } from 'node:dgram';
import Fastify, { type FastifyInstance } from 'fastify';
import { Counter, Registry } from 'prom-client';
import { EDGE_LOG_MARK } from '@graminsta/topology';

/**
 * The edge's cache outcomes for Prometheus. nginx (open source) counts connections in
 * stub_status but not what its proxy_cache did; the edge writes one syslog line per public
 * object request to a UDP port here (`EdgeConfig.cacheLog`, log format `edge_cache`), and
 * this process counts them by outcome, status class and bytes, served on /metrics. Lines that do
 * not have that shape are counted as rejected and dropped: anything on loopback can send to the
 * port, and nothing it sends is kept beyond a counter.
 */
/** nginx's `$upstream_cache_status` values; `-` when the request never reached the cache. */
const OUTCOMES = ['HIT', 'MISS', 'EXPIRED', 'STALE', 'UPDATING', 'REVALIDATED', 'BYPASS', '-'] as const;
type Outcome = (typeof OUTCOMES)[number];

// A line is ~100 bytes; a longer datagram is not one of ours.
const MAX_DATAGRAM = 1024;
const LINE = new RegExp(
  `(?:^|[ :])${EDGE_LOG_MARK} (${OUTCOMES.map((o) => o.replace('-', '\\-')).join('|')}) ([1-5])\\d\\d (\\d{1,15})\\n?$`,
);

export interface EdgeLine {
  /** The outcome, `none` for `-`. */
  cache: Lowercase<Exclude<Outcome, '-'>> | 'none';
  /** The status class: 2xx … 5xx. */
  code: string;
  bytes: number;
}

/** One datagram from the edge, or null when it is not a line of ours. */
export function parseEdgeLine(datagram: Buffer): EdgeLine | null {
  if (datagram.length > MAX_DATAGRAM) return null;
  // latin1: every byte is one char, so broken UTF-8 cannot throw or widen the line.
  const m = LINE.exec(datagram.toString('latin1'));
  if (!m) return null;
  const outcome = m[1] as Outcome;
  const cache = outcome === '-' ? 'none' : (outcome.toLowerCase() as Lowercase<Exclude<Outcome, '-'>>);
  return { cache, code: `${m[2]}xx`, bytes: Number(m[3]) };
}

export interface EdgeCacheExporterOptions {
  host: string;
  /** /metrics and /healthz. */
  httpPort: number;
  /** Where the edge's syslog lines arrive (UDP). */
  syslogPort: number;
}

export interface EdgeCacheExporter {
  httpUrl: string;
  syslogPort: number;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startEdgeCacheExporter(opts: EdgeCacheExporterOptions): Promise<EdgeCacheExporter> {
  const registry = new Registry();
  const requests = new Counter({
    name: 'graminsta_edge_requests_total',
    help: "Requests for public objects at the edge, by nginx's cache outcome (hit, miss, expired, stale, updating, revalidated, bypass, none) and status class",
    labelNames: ['cache', 'code'] as const,
    registers: [registry],
  });
  const bytes = new Counter({
    name: 'graminsta_edge_sent_bytes_total',
    help: 'Body bytes the edge sent for public objects, by cache outcome',
    labelNames: ['cache'] as const,
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'graminsta_edge_log_rejected_total',
    help: 'Datagrams on the edge log port that were not an edge log line (dropped)',
    registers: [registry],
  });

  const udp: Socket = createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
  // A bad datagram is dropped; a socket error is logged, never thrown.
  udp.on('error', (err) => console.error(`edge log socket: ${err.message}`));
  udp.on('message', (msg) => {
    const line = parseEdgeLine(msg);
    if (!line) return rejected.inc();
    requests.inc({ cache: line.cache, code: line.code });
    bytes.inc({ cache: line.cache }, line.bytes);
  });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(opts.syslogPort, opts.host, () => {
      udp.off('error', reject);
      resolve();
    });
  });

  const app = Fastify({
    logger: false,
    bodyLimit: 1024,
    connectionTimeout: 10_000,
    requestTimeout: 10_000,
    keepAliveTimeout: 5_000,
    http: { maxHeaderSize: 8 * 1024 },
  });
  app.get('/metrics', async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  app.get('/healthz', async () => ({ ok: true }));
  try {
    await app.listen({ host: opts.host, port: opts.httpPort });
  } catch (err) {
    udp.close();
    throw err;
  }
  const { port } = app.server.address() as { port: number };
  return {
    httpUrl: `http://${opts.host}:${port}`,
    syslogPort: (udp.address() as { port: number }).port,
    app,
    async close() {
      await app.close();
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    },
  };
}
