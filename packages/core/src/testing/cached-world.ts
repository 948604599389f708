import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  LocalDiskBlobStore,
  MemoryPubSub,
  MemoryQueue,
  type Db,
  type QueryObserver,
  type ReadCache,
} from '@graminsta/platform';
import { hashPassword } from '../accounts/password.ts';
import { createServices } from '../create-services.ts';
import { users } from '../db/schema.ts';
import { UploadRepository } from '../photos/upload.repository.ts';
import type { Services } from '../services.ts';
import { MapReadCache } from './map-cache.ts';
import { createTestDatabase, type TestDatabase } from './test-db.ts';

export const PASSWORD = 'correct horse battery';
const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

/**
 * Every service twice over one database: `services` read through `cache` (a MapReadCache unless
 * given), `plain` with no cache at all, the reference a cached answer must equal.
 */
export interface CachedWorld {
  t: TestDatabase;
  db: Db;
  cache: MapReadCache;
  services: Services;
  plain: Services;
  /** An account that can sign in with PASSWORD. */
  account(username: string, opts?: { private?: boolean }): Promise<string>;
  /** A ready one-photo post of `ownerId`'s, made as a client and the worker would (`process: false`: left processing). */
  post(ownerId: string, caption?: string, opts?: { process?: boolean }): Promise<string>;
  close(): Promise<void>;
}

export async function createCachedWorld(
  opts: { onQuery?: QueryObserver; cache?: ReadCache } = {},
): Promise<CachedWorld> {
  const t = await createTestDatabase({ onQuery: opts.onQuery });
  const db = t.database.db;
  const dir = await mkdtemp(join(tmpdir(), 'graminsta-cached-'));
  const blobs = new LocalDiskBlobStore({
    dir,
    publicBaseUrl: 'http://storage.test/storage',
    secret: 'test-secret-0123456789abcdef',
  });
  const queue = new MemoryQueue();
  const pubsub = new MemoryPubSub();
  const cache = new MapReadCache();
  const base = {
    db,
    blobs,
    queue,
    pubsub,
    maxImagePixels: 50_000_000,
    limits: null,
    mailer: { send: async () => {} },
    webUrl: () => 'http://web.test',
  };
  const services = createServices({ ...base, cache: opts.cache ?? cache });
  const plain = createServices(base);
  const passwordHash = await hashPassword(PASSWORD, FAST_SCRYPT);
  const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#2060c0' } })
    .jpeg()
    .toBuffer();
  return {
    t,
    db,
    cache,
    services,
    plain,
    async account(username, o = {}) {
      const [row] = await db
        .insert(users)
        .values({ username, displayName: username.toUpperCase(), passwordHash, private: o.private ?? false })
        .returning({ id: users.id });
      return row!.id;
    },
    async post(ownerId, caption = '', o = {}) {
      const target = await services.photos.createUpload(ownerId, {
        contentType: 'image/jpeg',
        size: jpeg.length,
      });
      const upload = await new UploadRepository(db).findById(target.uploadId);
      await blobs.put(upload!.key, jpeg, 'image/jpeg');
      const photo = await services.photos.createPhoto(ownerId, { uploadId: target.uploadId, caption });
      if (o.process !== false) await services.photos.processPhoto(photo.id);
      return photo.id;
    },
    async close() {
      await queue.close();
      await pubsub.close();
      await t.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
