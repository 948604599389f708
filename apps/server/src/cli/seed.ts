import { DataDirInUseError, dataDirHolder, loadConfig } from '@graminsta/platform';
import { AppError } from '@graminsta/core';
import { compose, pgliteFolderOf, type Composition } from '../compose.ts';
import { createRuntime } from '../runtime.ts';
import { sendControl } from '../control/control-client.ts';
import { makeScene, prng } from './seed-images.ts';

const NAMES = [
  'ada',
  'bruno',
  'chen',
  'dana',
  'emil',
  'farah',
  'goro',
  'hana',
  'ivo',
  'jules',
  'kemi',
  'lena',
];
const TAGS = ['sunset', 'hills', 'travel', 'nature', 'sky', 'weekend', 'colour', 'calm'];
export const DEMO_PASSWORD = 'graminsta-demo';

/**
 * `graminsta seed`. At stage 1 a running server holds the PGlite folder, and a second process must
 * not open it: the seed then runs inside that server, asked over its control socket. Otherwise
 * (no server running, or PostgreSQL, which many processes share) it opens the database itself.
 */
export async function runSeed(
  env: Record<string, string | undefined>,
  opts: { users: number },
  print: (line: string) => void = (line) => console.log(line),
): Promise<void> {
  const config = loadConfig(env);
  if (!config.DATABASE_URL) {
    const folder = pgliteFolderOf(config);
    const holder = dataDirHolder(folder);
    if (holder) {
      if (!holder.control) throw new DataDirInUseError(folder, holder);
      print(
        `Graminsta is running here (pid ${holder.pid}, ${holder.url ?? 'no URL yet'}): seeding through it.`,
      );
      print(await sendControl(holder.control, { command: 'seed', users: opts.users }, print));
      return;
    }
  }
  const comp = await compose(createRuntime(config, { defaultMetrics: false }));
  try {
    print(await seedDemo(comp, opts, print));
  } finally {
    await comp.close();
  }
}

/**
 * Demo accounts, follows and photos made from generated images, so a new user sees a living
 * site. Goes through the services, exactly as the API would; photos are processed inline.
 * Returns the closing message.
 */
export async function seedDemo(
  comp: Pick<Composition, 'services' | 'blobs'>,
  opts: { users: number },
  progress: (line: string) => void,
): Promise<string> {
  const { services } = comp;
  const rand = prng(42);
  const users: { id: string; username: string }[] = [];
  for (let i = 0; i < opts.users; i++) {
    const username = `${NAMES[i % NAMES.length]}${i < NAMES.length ? '' : Math.floor(i / NAMES.length)}`;
    try {
      const { user } = await services.accounts.signUp(
        { username, password: DEMO_PASSWORD, displayName: username[0]!.toUpperCase() + username.slice(1) },
        { ip: '127.0.0.1' },
      );
      users.push({ id: user.id, username });
    } catch (err) {
      if (err instanceof AppError && err.code === 'username_taken') continue; // seeded before
      throw err;
    }
  }
  progress(`${users.length} new accounts`);
  // The first account is everyone's favourite; the rest follow a few others.
  for (const [i, u] of users.entries()) {
    const targets = new Set<string>(i === 0 ? [] : [users[0]!.username]);
    while (targets.size < Math.min(4, users.length - 1)) {
      const other = users[Math.floor(rand() * users.length)]!;
      if (other.id !== u.id) targets.add(other.username);
    }
    for (const t of targets) await services.users.follow(u.id, t);
  }
  let photos = 0;
  for (const u of users) {
    const count = 1 + Math.floor(rand() * 3);
    for (let p = 0; p < count; p++) {
      const bytes = await makeScene(rand);
      const target = await services.photos.createUpload(u.id, {
        contentType: 'image/jpeg',
        size: bytes.length,
      });
      const key = decodeURIComponent(
        new URL(target.upload.url, 'http://localhost').pathname.replace(/^.*?\/storage\/uploads\//, ''),
      );
      await comp.blobs.put(key, bytes, 'image/jpeg');
      const tags = [TAGS[Math.floor(rand() * TAGS.length)], TAGS[Math.floor(rand() * TAGS.length)]];
      const photo = await services.photos.createPhoto(u.id, {
        uploadId: target.uploadId,
        caption: `A view from ${u.username}'s week #${tags[0]} #${tags[1]}`,
        altText: 'Generated landscape: a sky gradient, a sun and rolling hills',
      });
      await services.photos.processPhoto(photo.id);
      photos++;
      if (photos % 10 === 0) progress(`${photos} photos`);
    }
  }
  for (const u of users) {
    for (let k = 0; k < 3; k++) {
      const other = users[Math.floor(rand() * users.length)]!;
      const feed = await services.photos.listByUser(other.username, u.id, { limit: 1 });
      const first = feed.items[0];
      if (first) await services.photos.like(u.id, first.id);
    }
  }
  return (
    `Seeded ${users.length} accounts and ${photos} photos. Log in as any of them,\n` +
    `e.g. "${users[0]?.username ?? NAMES[0]}", with the password "${DEMO_PASSWORD}".`
  );
}
