import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateSecret } from './secret.ts';

describe('loadOrCreateSecret', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'graminsta-secret-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('uses the configured secret and writes nothing', async () => {
    const dir = join(root, 'data');
    expect(await loadOrCreateSecret(dir, 'configured-secret-value')).toBe('configured-secret-value');
    await expect(stat(dir)).rejects.toThrow();
  });

  it('creates a random secret readable by its owner only, and keeps it across restarts', async () => {
    const dir = join(root, 'data');
    const first = await loadOrCreateSecret(dir);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(join(dir, 'secret'))).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateSecret(dir)).toBe(first);
    expect(await readdir(dir)).toEqual(['secret']);
    expect(await loadOrCreateSecret(join(root, 'other'))).not.toBe(first);
  });

  it('gives processes starting together the same secret', async () => {
    const secrets = await Promise.all(Array.from({ length: 20 }, () => loadOrCreateSecret(root)));
    expect(new Set(secrets).size).toBe(1);
    expect((await readdir(root)).sort()).toEqual(['secret']);
  });

  it('reads a secret an operator put there', async () => {
    await writeFile(join(root, 'secret'), '  an-operator-chosen-secret\n');
    expect(await loadOrCreateSecret(root)).toBe('an-operator-chosen-secret');
  });

  it('refuses an empty secret file instead of signing with nothing', async () => {
    await writeFile(join(root, 'secret'), '\n');
    await expect(loadOrCreateSecret(root)).rejects.toThrow(/no usable secret/);
  });
});
