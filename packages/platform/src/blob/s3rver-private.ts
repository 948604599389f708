/**
 * s3rver serves any request, signed or not. A production bucket is private: only signed requests
 * (the API and workers, with the deployment's keys; browsers with presigned URLs and forms) and
 * the CDN's origin access reach it. This middleware makes the local store behave the same way:
 * an anonymous request may only read a public variant key (the edge's reads), send a presigned
 * form POST to the bucket, send a presigned part PUT, ask a CORS preflight, or list the bucket
 * with `max-keys=0` (the supervisor's readiness probe: it goes through s3rver's router and
 * bucket lookup, and lists nothing); anything else, an original under `uploads/` above all, is
 * 403 AccessDenied.
 */
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  get(name: string): string;
  set(name: string, value: string): void;
}
type Next = () => Promise<unknown>;

/** `/<bucket>/p/<post>/…` and `/<bucket>/seed/…`: what the edge serves. */
const PUBLIC_READ = /^\/[^/]+\/(?:p|seed)\//;
const BUCKET_ROOT = /^\/[^/]+\/?$/;

export function privateBucket() {
  return async (ctx: KoaContext, next: Next): Promise<unknown> => {
    const signed = ctx.get('authorization') !== '' || 'X-Amz-Signature' in ctx.query;
    const anonymousOk =
      ctx.method === 'OPTIONS' ||
      (ctx.method === 'POST' && BUCKET_ROOT.test(ctx.path)) ||
      ((ctx.method === 'GET' || ctx.method === 'HEAD') &&
        (PUBLIC_READ.test(ctx.path) || (BUCKET_ROOT.test(ctx.path) && ctx.query['max-keys'] === '0')));
    if (signed || anonymousOk) return next();
    ctx.status = 403;
    ctx.set('Content-Type', 'application/xml');
    ctx.body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
  };
}
