import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The secret that signs upload URLs: the configured one, else `<dataDir>/secret`, made on first
 * start. The file is written whole under a temporary name and hard-linked into place, which fails
 * if it already exists: processes starting together all end up with the one that won.
 */
export async function loadOrCreateSecret(dataDir: string, configured?: string): Promise<string> {
  if (configured) return configured;
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, 'secret');
  const existing = await readSecret(file);
  if (existing !== null) return existing;

  const tmp = join(dataDir, `.secret.${process.pid}.${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await rm(tmp, { force: true });
  }
  const secret = await readSecret(file);
  if (secret === null) throw new Error(`could not create ${file}`);
  return secret;
}

async function readSecret(file: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const secret = text.trim();
  if (secret.length < 16) throw new Error(`${file} holds no usable secret: delete it or set SECRET`);
  return secret;
}
