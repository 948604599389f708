import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, dataDirHolder, lockDataDir, lockFileOf } from './data-dir-lock.ts';

describe('data folder lock', () => {
  let root: string;
  let dir: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'graminsta-lock-'));
    dir = join(root, 'pglite');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** A real other process that stays alive until killed. */
  function otherProcess() {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    return { pid: child.pid!, kill: async () => (child.kill('SIGKILL'), await exited) };
  }

  const writeLock = (pid: number, url: string | null) =>
    writeFileSync(lockFileOf(dir), JSON.stringify({ pid, startedAt: 'earlier', url, control: null }));

  it('refuses a folder whose holder is alive, naming its pid and URL, and leaves its file alone', async () => {
    const other = otherProcess();
    try {
      writeLock(other.pid, 'http://127.0.0.1:4321');
      const before = readFileSync(lockFileOf(dir), 'utf8');
      let refusal: unknown;
      try {
        lockDataDir(dir);
      } catch (err) {
        refusal = err;
      }
      expect(refusal).toBeInstanceOf(DataDirInUseError);
      expect((refusal as Error).message).toContain(`pid ${other.pid}`);
      expect((refusal as Error).message).toContain('http://127.0.0.1:4321');
      expect(readFileSync(lockFileOf(dir), 'utf8')).toBe(before);
      expect(dataDirHolder(dir)?.pid).toBe(other.pid);
    } finally {
      await other.kill();
    }
  });

  it('takes over the file of a process that is gone (SIGKILL leaves it behind)', async () => {
    const other = otherProcess();
    writeLock(other.pid, 'http://127.0.0.1:4321');
    await other.kill();
    expect(dataDirHolder(dir)).toBeNull();
    const lock = lockDataDir(dir);
    expect(JSON.parse(readFileSync(lock.file, 'utf8'))).toMatchObject({ pid: process.pid, url: null });
    lock.release();
  });

  it('takes over a file naming our own pid from a previous life (a restarted container)', () => {
    writeLock(process.pid, null);
    const lock = lockDataDir(dir);
    lock.release();
  });

  it('refuses a second open in the same process, and frees the folder on release', () => {
    const lock = lockDataDir(dir);
    lock.announce({ url: 'http://localhost:3000', control: join(root, 'control.sock') });
    expect(() => lockDataDir(dir)).toThrow(/in use.*http:\/\/localhost:3000/s);
    expect(dataDirHolder(dir)).toMatchObject({ pid: process.pid, url: 'http://localhost:3000' });
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
    lockDataDir(dir).release();
  });
});
