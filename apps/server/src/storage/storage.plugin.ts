import type { FastifyInstance } from 'fastify';
import type { BlobStore } from '@graminsta/platform';
import { verifyUploadSignature, writeUploadStream, type LocalDiskBlobStore } from '@graminsta/platform';
import { errorBody } from '../api/errors.ts';

export interface StorageOptions {
  /** The local-disk store this role serves; null when blobs live elsewhere (S3). */
  store: LocalDiskBlobStore | null;
  secret: string;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The `storage` role of stages 1–4: receives bytes on signed, expiring upload URLs and
 * serves stored objects with immutable caching. The API never touches upload bodies.
 */
export async function storagePlugin(app: FastifyInstance, opts: StorageOptions): Promise<void> {
  const store = opts.store;
  if (!store) return;

  await app.register(
    async (storage) => {
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
          if (!check.ok)
            return reply.code(403).send(errorBody('forbidden', `upload refused: ${check.reason}`));
          const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
          if (contentType !== check.contentType) {
            return reply
              .code(415)
              .send(errorBody('unsupported_media_type', `this upload takes ${check.contentType} only`));
          }
          const declared = Number(request.headers['content-length'] ?? NaN);
          if (Number.isFinite(declared) && declared > check.maxBytes) {
            // Refuse before reading: nothing is kept.
            void reply.header('connection', 'close');
            return reply
              .code(413)
              .send(errorBody('payload_too_large', `this upload takes at most ${check.maxBytes} bytes`));
          }
          try {
            await writeUploadStream(store, key, contentType, request.raw, check.maxBytes);
          } catch (err) {
            if ((err as { code?: string }).code === 'payload_too_large') {
              void reply.header('connection', 'close');
              return reply
                .code(413)
                .send(errorBody('payload_too_large', `this upload takes at most ${check.maxBytes} bytes`));
            }
            throw err;
          }
          return reply.code(201).send({ ok: true });
        },
      );

      storage.get<{ Params: { '*': string } }>('/blobs/*', async (request, reply) => {
        const object = await safeGet(store, request.params['*']);
        if (!object) return reply.code(404).send(errorBody('not_found', 'no such object'));
        return reply
          .header('content-type', object.contentType)
          .header('cache-control', IMMUTABLE)
          .header('x-content-type-options', 'nosniff')
          .send(object.body);
      });
    },
    { prefix: '/storage' },
  );
}

async function safeGet(store: BlobStore, key: string) {
  try {
    return await store.get(key);
  } catch {
    // An unsafe key is simply not an object here.
    return null;
  }
}
