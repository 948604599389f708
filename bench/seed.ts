/**
 * Seeds a fresh Graminsta database for the benchmark straight through SQL: signing up 10,000
 * users through the API would spend minutes in scrypt alone. Usable on its own:
 *   npx tsx bench/seed.ts --users 500 --data-dir /tmp/g        (PGlite in /tmp/g/pglite)
 *   npx tsx bench/seed.ts --database-url postgres://…/db --data-dir /tmp/g
 *   npx tsx bench/seed.ts --users 500 --media mix --data-dir /tmp/g   (posts of several photos)
 * DATA_DIR is the server's: the PGlite folder and the seeded images live under it.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { LocalDiskBlobStore, openDatabase } from '@graminsta/platform';
import { MIGRATIONS_FOLDER, schema } from '@graminsta/core';
import { hashPassword } from '@graminsta/core/accounts/password';
import { describeMedia, makeDataset, parseMediaSpec, type Dataset, type MediaSpec } from './lib/dataset.ts';
import { makeSeedImages } from './lib/images.ts';
import { insertDataset, verifyDataset } from './lib/insert.ts';

/** Every seeded account has this password, so the runner can log any of them in. */
export const SEED_PASSWORD = 'bench-password';
const IMAGE_COUNT = 6;

export interface SeedOptions {
  users: number;
  /** The server's DATA_DIR: images go to `<dataDir>/blobs`, PGlite to `<dataDir>/pglite`. */
  dataDir: string;
  /** PostgreSQL when set, otherwise PGlite in the data folder. */
  databaseUrl?: string;
  photosPerUser?: number;
  /** Photos per post (photo_media rows); one each by default. */
  media?: MediaSpec;
  seed?: number;
  log?: (line: string) => void;
}

export interface SeedResult {
  dataset: Dataset;
  seconds: number;
}

export async function seedDatabase(opts: SeedOptions): Promise<SeedResult> {
  const log = opts.log ?? (() => {});
  const started = performance.now();
  const dataDir = resolve(opts.dataDir);
  const database = await openDatabase(
    opts.databaseUrl ? { url: opts.databaseUrl } : { dataDir: join(dataDir, 'pglite') },
  );
  try {
    await database.migrate(MIGRATIONS_FOLDER);
    const [existing] = await database.db.select({ n: sql<number>`count(*)::int` }).from(schema.users);
    if ((existing?.n ?? 0) > 0)
      throw new Error('the benchmark seeds an empty database only; this one has users');

    const dataset = makeDataset({
      users: opts.users,
      photosPerUser: opts.photosPerUser ?? 0.4,
      media: opts.media,
      images: IMAGE_COUNT,
      seed: opts.seed ?? 20_260_101,
      now: Date.now(),
    });
    // Only put() is used here; the URL and secret matter to the server, which makes its own store.
    const blobs = new LocalDiskBlobStore({
      dir: join(dataDir, 'blobs'),
      publicBaseUrl: 'http://localhost/storage',
      secret: 'unused-by-the-seed-script',
    });
    const images = await makeSeedImages(IMAGE_COUNT, blobs, opts.seed ?? 20_260_101);
    // One hash for every account, made by the project's own hashing: one scrypt, not 10,000.
    const passwordHash = await hashPassword(SEED_PASSWORD);
    const items = dataset.photos.reduce((n, p) => n + p.media.length, 0);
    log(
      `seeding ${dataset.users.length} users, ${dataset.follows.length} follows, ` +
        `${dataset.photos.length} posts with ${items} photos (${describeMedia(opts.media ?? { items: 1 })}), ` +
        `${dataset.likes.length} likes (${database.kind})`,
    );
    await insertDataset(database.db, dataset, images, passwordHash);

    const mismatches = await verifyDataset(database.db, dataset);
    if (mismatches.length > 0) {
      const lines = mismatches.map((m) => `  ${m.check}: expected ${m.expected}, found ${m.actual}`);
      throw new Error(`seeded data does not add up:\n${lines.join('\n')}`);
    }
    const seconds = (performance.now() - started) / 1000;
    log(`seeded and verified in ${seconds.toFixed(1)} s`);
    return { dataset, seconds };
  } finally {
    await database.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '10000' },
      'data-dir': { type: 'string', default: './data' },
      'database-url': { type: 'string' },
      media: { type: 'string', default: '1' },
    },
  });
  const users = Number(values.users);
  if (!Number.isInteger(users) || users < 10) throw new Error('--users must be an integer of at least 10');
  await seedDatabase({
    users,
    dataDir: values['data-dir'],
    databaseUrl: values['database-url'],
    media: parseMediaSpec(values.media),
    log: (line) => console.log(line),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
