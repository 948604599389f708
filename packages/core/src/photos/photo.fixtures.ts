/** Test fixtures for photo, comment and feed tests: a real database, disk store, queue and pub/sub. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Photo } from '@graminsta/contracts';
import { LocalDiskBlobStore, MemoryPubSub, MemoryQueue, type Db } from '@graminsta/platform';
import { users } from '../db/schema.ts';
import { EventServiceImpl } from '../events/event.service.ts';
import { NotifierImpl } from '../notifications/notification.service.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-db.ts';
import { PhotoServiceImpl } from './photo.service.ts';
import { UploadRepository } from './upload.repository.ts';

export interface PhotoWorld {
  t: TestDatabase;
  db: Db;
  dir: string;
  blobs: LocalDiskBlobStore;
  queue: MemoryQueue;
  pubsub: MemoryPubSub;
  events: EventServiceImpl;
  notifier: NotifierImpl;
  photos: PhotoServiceImpl;
  close(): Promise<void>;
}

export async function createPhotoWorld(opts: { maxImagePixels?: number } = {}): Promise<PhotoWorld> {
  const t = await createTestDatabase();
  const db = t.database.db;
  const dir = await mkdtemp(join(tmpdir(), 'graminsta-photos-'));
  const blobs = new LocalDiskBlobStore({
    dir,
    publicBaseUrl: 'http://storage.test/storage',
    secret: 'test-secret-0123456789abcdef',
  });
  const queue = new MemoryQueue();
  const pubsub = new MemoryPubSub();
  const events = new EventServiceImpl({ db, pubsub });
  const notifier = new NotifierImpl({ db, blobs, events });
  const photos = new PhotoServiceImpl({
    db,
    blobs,
    queue,
    notifier,
    events,
    maxImagePixels: opts.maxImagePixels ?? 50_000_000,
  });
  return {
    t,
    db,
    dir,
    blobs,
    queue,
    pubsub,
    events,
    notifier,
    photos,
    async close() {
      await queue.close();
      await pubsub.close();
      await t.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function makeUser(db: Db, username: string): Promise<string> {
  const [row] = await db
    .insert(users)
    .values({ username, displayName: username.toUpperCase(), passwordHash: 'x' })
    .returning({ id: users.id });
  return row!.id;
}

export function jpegBytes(width = 800, height = 600, colour = '#c04020'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .jpeg()
    .toBuffer();
}

/** What a client does: ask for an upload target, send the bytes there, create the photo. */
export async function uploadAndCreate(
  w: PhotoWorld,
  userId: string,
  bytes: Buffer,
  opts: { caption?: string; contentType?: string } = {},
): Promise<Photo> {
  const contentType = opts.contentType ?? 'image/jpeg';
  const target = await w.photos.createUpload(userId, { contentType, size: bytes.length });
  await w.blobs.put(await uploadKey(w, target.uploadId), bytes, contentType);
  return w.photos.createPhoto(userId, { uploadId: target.uploadId, caption: opts.caption });
}

/** Where the upload target sends its bytes (the storage role's job in a running system). */
export async function uploadKey(w: PhotoWorld, uploadId: string): Promise<string> {
  const upload = await new UploadRepository(w.db).findById(uploadId);
  return upload!.key;
}

/** Upload, create and process (the worker's job, run inline): a ready photo. */
export async function postPhoto(
  w: PhotoWorld,
  userId: string,
  opts: { caption?: string; bytes?: Buffer } = {},
): Promise<Photo> {
  const created = await uploadAndCreate(w, userId, opts.bytes ?? (await jpegBytes()), opts);
  await w.photos.processPhoto(created.id);
  return w.photos.getPhoto(created.id, userId);
}
