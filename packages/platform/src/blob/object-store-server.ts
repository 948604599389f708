import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { privateBucket } from './s3rver-private.ts';
import { multipartExtras } from './s3rver-multipart.ts';

/**
 * The S3-protocol object store of stage 5 on one machine: s3rver (from npm) on a loopback port,
 * keeping its objects in a folder, with one bucket made at start and CORS open to the web
 * client's origins (browsers send presigned uploads to it). s3rver speaks S3 but checks no
 * signature and no POST policy: what we sign is tested on its own, and the worker re-checks
 * what arrived. Real deployments use S3 (or any S3-compatible store) instead.
 *
 * `requests` counts every request the store answered, by method: the edge tests count how many
 * reached the origin.
 */
export interface ObjectStoreServer {
  url: string;
  bucket: string;
  requests: { total: number; byMethod: Record<string, number> };
  close(): Promise<void>;
}

export interface ObjectStoreOptions {
  dir: string;
  bucket: string;
  host?: string;
  port?: number;
  /** Origins allowed to send uploads from a browser; none: no CORS rule. */
  corsOrigins?: string[];
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  middleware: unknown[];
  close(): Promise<void>;
  httpServer: Server;
}
type S3rverClass = new (opts: Record<string, unknown>) => S3rverInstance;

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** CORS for presigned uploads: POST forms and PUT parts from the web client, the ETag readable. */
export function corsXml(origins: string[]): string {
  const rule = (origin: string) => `<CORSRule>
    <AllowedOrigin>${xmlEscape(origin)}</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod><AllowedMethod>PUT</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>600</MaxAgeSeconds>
  </CORSRule>`;
  return `<CORSConfiguration>${origins.map(rule).join('')}</CORSConfiguration>`;
}

export async function startObjectStore(opts: ObjectStoreOptions): Promise<ObjectStoreServer> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const origins = opts.corsOrigins ?? [];
  const server = new S3rver({
    address: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    directory: opts.dir,
    silent: true,
    configureBuckets: [{ name: opts.bucket, configs: origins.length > 0 ? [corsXml(origins)] : [] }],
  });
  // Ahead of s3rver's router, which would refuse these two requests.
  server.middleware.unshift(multipartExtras(opts.dir));
  // Ahead of everything: anonymous requests get what a private bucket would give them.
  server.middleware.unshift(privateBucket());
  const address = await server.run();
  const requests = { total: 0, byMethod: {} as Record<string, number> };
  server.httpServer.on('request', (req: { method?: string }) => {
    const method = req.method ?? '?';
    requests.total += 1;
    requests.byMethod[method] = (requests.byMethod[method] ?? 0) + 1;
  });
  // A client that breaks its connection ends that connection only.
  server.httpServer.on('clientError', (_err, socket) => socket.destroy());
  return {
    url: `http://${address.address}:${address.port}`,
    bucket: opts.bucket,
    requests,
    close: () => server.close(),
  };
}
