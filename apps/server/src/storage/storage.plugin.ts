import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError, type PhotoService } from '@graminsta/core';
import { PayloadTooLargeError, verifyUploadSignature, type LocalDiskBlobStore } from '@graminsta/platform';

export interface StorageOptions {
  /** The local-disk store this role serves; null when blobs live elsewhere (S3). */
  store: LocalDiskBlobStore | null;
  secret: string;
  /** Claims an upload target for received bytes (the photo service); required with a store. */
  uploads?: Pick<PhotoService, 'receiveUpload'> | null;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
// A stored object must never run as a page: no sniffing into HTML, no scripts, no same origin.
// The same policy raw.githubusercontent.com serves user files with; images still display.
export const STORED_OBJECT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'";

/**
 * The `storage` role of stages 1–4: receives bytes on signed, expiring, single-use upload URLs
 * and streams stored objects with immutable caching. Uploaded originals (private `uploads/`
 * keys) are never served here. The API never touches upload bodies.
 */
export async function storagePlugin(app: FastifyInstance, opts: StorageOptions): Promise<void> {
  const { store, uploads } = opts;
  if (!store) return;
  if (!uploads) throw new Error('the storage role needs the photo service to accept uploads');

  await app.register(
    async (storage) => {
      storage.addHook('onSend', async (_request, reply) => {
        void reply.header('x-content-type-options', 'nosniff');
        void reply.header('content-security-policy', STORED_OBJECT_CSP);
      });
      // Upload bodies are streamed to disk by the handler, not parsed.
      storage.removeAllContentTypeParsers();
      storage.addContentTypeParser('*', (_request, _payload, done) => done(null));

      storage.put<{ Params: { '*': string }; Querystring: Record<string, string | undefined> }>(
        '/uploads/*',
        async (request, reply) => {
          const key = request.params['*'];
          const q = request.query;
          const check = verifyUploadSignature(
            { key, ct: q.ct ?? '', max: q.max ?? '', exp: q.exp ?? '', sig: q.sig ?? '' },
            opts.secret,
          );
          if (!check.ok) throw new AppError('forbidden', `upload refused: ${check.reason}`);
          const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
          if (contentType !== check.contentType)
            throw new AppError('unsupported_media_type', `this upload takes ${check.contentType} only`);
          const declared = Number(request.headers['content-length'] ?? NaN);
          // Refuse before reading: nothing is kept.
          if (Number.isFinite(declared) && declared > check.maxBytes) throw tooLarge(reply, check.maxBytes);
          try {
            // The bytes are synced to disk before the target is claimed, and moved into place
            // before the claim commits: a second PUT (racing or late) is refused and keeps nothing.
            await store.putStream(key, request.raw, contentType, {
              maxBytes: check.maxBytes,
              commit: (place) => uploads.receiveUpload(key, place),
            });
          } catch (err) {
            if (err instanceof PayloadTooLargeError) throw tooLarge(reply, check.maxBytes);
            throw err;
          }
          return reply.code(201).send({ ok: true });
        },
      );

      storage.get<{ Params: { '*': string } }>('/blobs/*', async (request, reply) => {
        const object = await store.streamPublic(request.params['*']);
        if (!object) throw new AppError('not_found', 'no such object');
        return reply
          .header('content-type', object.contentType)
          .header('content-length', object.size)
          .header('cache-control', IMMUTABLE)
          .send(object.body);
      });
    },
    { prefix: '/storage' },
  );
}

/** The client may still be sending the body nobody will read: the connection closes after this answer. */
function tooLarge(reply: FastifyReply, maxBytes: number): AppError {
  void reply.header('connection', 'close');
  return new AppError('payload_too_large', `this upload takes at most ${maxBytes} bytes`);
}
