import { AsyncResource } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ReadScope,
  runInReadScope,
  userReader,
  type ReplicaRoutingPool,
  type WalPositions,
} from '@graminsta/platform';

/** The primary's WAL position after a request's writes, told to the client (informational). */
export const WAL_HEADER = 'x-graminsta-wal';
/** Where a request's plain reads were served: primary, replica or mixed. */
export const READ_FROM_HEADER = 'x-graminsta-read-from';

const SCOPE = Symbol('graminsta.readScope');
const RESOURCE = Symbol('graminsta.readScopeResource');
type Scoped = FastifyRequest & { [SCOPE]?: ReadScope; [RESOURCE]?: AsyncResource };

// A session token handed out by this response (sign-up, log-in): its first reads need this write.
const TOKEN_IN_BODY = /"token"\s*:\s*"([A-Za-z0-9_-]{16,200})"/;

const tokenReader = (token: string) => `t:${createHash('sha256').update(token).digest('base64url')}`;

function readersOf(request: FastifyRequest): string[] {
  const readers: string[] = [];
  if (request.userId) readers.push(userReader(request.userId));
  if (request.sessionToken) readers.push(tokenReader(request.sessionToken));
  return readers;
}

export function lsnText(position: bigint): string {
  return `${(position >> 32n).toString(16).toUpperCase()}/${(position & 0xffffffffn).toString(16).toUpperCase()}`;
}

/**
 * Read-your-writes over replicas (with DATABASE_REPLICA_URLS only; otherwise nothing is added):
 * each request runs in a read scope; its plain reads may go to a replica that has replayed the
 * reader's last write. After a request that wrote, the primary's WAL position is recorded for its
 * user (and for a token it handed out), in Redis when there is one and in this process.
 */
export function registerReadYourWrites(
  app: FastifyInstance,
  opts: {
    wal: { router: ReplicaRoutingPool; positions: WalPositions } | null;
    onError?: (err: unknown) => void;
  },
): void {
  if (!opts.wal) return;
  const { router, positions } = opts.wal;

  app.addHook('onRequest', (request: Scoped, _reply, done) => {
    // Looked up once, on the request's first read a replica could serve, and only when signed in.
    // A request that may write reads on the primary: the checks before its writes (does the post
    // exist, may this user comment) must see rows a replica may not have replayed yet.
    const safe = request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS';
    const scope = new ReadScope(async () => {
      const readers = readersOf(request);
      return readers.length > 0 ? positions.lookup(readers) : null;
    }, !safe);
    request[SCOPE] = scope;
    runInReadScope(scope, () => {
      const resource = new AsyncResource('graminsta-read-scope');
      request[RESOURCE] = resource;
      resource.runInAsyncScope(done);
    });
  });
  // The body is parsed in the socket's context: the hooks after it re-enter the request's scope.
  app.addHook('preValidation', (request: Scoped, _reply, done) => {
    const resource = request[RESOURCE];
    if (resource) resource.runInAsyncScope(done);
    else done();
  });
  app.addHook('onSend', async (request: Scoped, reply, payload) => {
    const scope = request[SCOPE];
    if (!scope) return payload;
    const { primary, replica } = scope.served;
    if (primary + replica > 0)
      void reply.header(READ_FROM_HEADER, replica === 0 ? 'primary' : primary === 0 ? 'replica' : 'mixed');
    if (!scope.wrote) return payload;
    const readers = readersOf(request);
    const handedOut = typeof payload === 'string' ? TOKEN_IN_BODY.exec(payload)?.[1] : undefined;
    if (handedOut) readers.push(tokenReader(handedOut));
    if (readers.length === 0) return payload;
    try {
      const position = await router.currentPosition();
      await positions.record(readers, position);
      void reply.header(WAL_HEADER, lsnText(position));
    } catch (err) {
      // The write happened; only its read-your-writes hint is lost (the primary is unreachable).
      opts.onError?.(err);
    }
    return payload;
  });
}
