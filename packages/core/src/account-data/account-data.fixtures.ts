/** Test fixtures for exports and deletion: a photo world with every service they touch. */
import type { Readable } from 'node:stream';
import sharp from 'sharp';
import yauzl from 'yauzl';
import type { Photo } from '@graminsta/contracts';
import { hashPassword } from '../accounts/password.ts';
import { users } from '../db/schema.ts';
import { NotificationServiceImpl } from '../notifications/notification.service.ts';
import { createPhotoWorld, uploadKey, type PhotoWorld } from '../photos/photo.fixtures.ts';
import { CommentServiceImpl } from '../social/comment.service.ts';
import { UserServiceImpl } from '../users/user.service.ts';
import { DeletionService, type DeletionDeps } from './deletion.service.ts';
import { ExportService } from './export.service.ts';

export const PASSWORD = 'correct horse battery';
// Cheap scrypt: the tests check the rule, not the cost.
const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

export interface DataWorld extends PhotoWorld {
  users: UserServiceImpl;
  comments: CommentServiceImpl;
  notifications: NotificationServiceImpl;
  exports: ExportService;
  deletion: (opts?: Partial<DeletionDeps>) => DeletionService;
  clock: { now: Date };
}

export async function createDataWorld(): Promise<DataWorld> {
  const w = await createPhotoWorld();
  const clock = { now: new Date() };
  const { db, blobs, queue, notifier } = w;
  return Object.assign(w, {
    clock,
    users: new UserServiceImpl({ db, notifier }),
    comments: new CommentServiceImpl({ db, notifier }),
    notifications: new NotificationServiceImpl({ db, blobs }),
    exports: new ExportService({ db, blobs, queue, notifier, now: () => clock.now }),
    deletion: (opts: Partial<DeletionDeps> = {}) => new DeletionService({ db, blobs, queue, ...opts }),
  });
}

/** A user who can sign in with PASSWORD (deletion asks for it). */
export async function makeAccount(w: PhotoWorld, username: string): Promise<string> {
  const passwordHash = await hashPassword(PASSWORD, FAST_SCRYPT);
  const [row] = await w.db
    .insert(users)
    .values({ username, displayName: username.toUpperCase(), passwordHash, email: `${username}@example.org` })
    .returning({ id: users.id });
  return row!.id;
}

/** A camera's JPEG: EXIF with a make, a model and a GPS position. */
export function gpsJpeg(width = 640, height = 480, colour = '#d2691e'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .jpeg({ quality: 90 })
    .withExifMerge({
      IFD0: { Make: 'TestCam', Model: 'Leaky' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 24/1',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 21/1 3/1',
      },
    })
    .toBuffer();
}

/** Uploads, creates and processes a post of one photo per file: a ready post. */
export async function readyPost(
  w: PhotoWorld,
  userId: string,
  files: Buffer[],
  caption = '',
): Promise<Photo> {
  const media = [];
  for (const [i, bytes] of files.entries()) {
    const target = await w.photos.createUpload(userId, { contentType: 'image/jpeg', size: bytes.length });
    await w.blobs.put(await uploadKey(w, target.uploadId), bytes, 'image/jpeg');
    media.push({ uploadId: target.uploadId, altText: `alt ${i + 1}` });
  }
  const created = await w.photos.createPhoto(userId, { media, caption });
  await w.photos.processPhoto(created.id);
  return w.photos.getPhoto(created.id, userId);
}

export async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every file of a zip, by name, read with a second library (yauzl) than the one that wrote it. */
export async function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, z) => (err ? reject(err) : resolve(z))),
  );
  const files = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        readAll(stream).then((buf) => {
          files.set(entry.fileName, buf);
          zip.readEntry();
        }, reject);
      });
    });
    zip.readEntry();
  });
  return files;
}
