import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Who holds a data folder: enough for a second process to name it, or to reach it. */
export interface DataDirHolder {
  pid: number;
  startedAt: string;
  /** Where the holder's HTTP server listens, once it does. */
  url: string | null;
  /** Its local control socket (stage 1), once it listens. */
  control: string | null;
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: DataDirHolder,
  ) {
    const where = holder.url ? ` serving ${holder.url}` : ' (starting, or not serving HTTP)';
    super(
      `The data folder ${dir} is in use by another Graminsta process: pid ${holder.pid}${where}, ` +
        `started ${holder.startedAt}. One folder, one process: stop it first (or use it, ` +
        `e.g. \`graminsta seed\` goes through a running server).`,
    );
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Adds what this process serves to the lock file, for the next process to name or reach. */
  announce(info: Partial<Pick<DataDirHolder, 'url' | 'control'>>): void;
  release(): void;
}

/** Folders this process holds: a lock file naming our own pid is ours only if listed here. */
const heldHere = new Set<string>();
const processStartedAt = new Date(Date.now() - process.uptime() * 1000).toISOString();

export const lockFileOf = (dir: string) => join(dirname(dir), `${basename(dir)}.lock`);

/**
 * Takes the folder for this process, or throws DataDirInUseError naming the live holder. The lock
 * file sits beside the folder (PGlite owns the folder's contents). It is written whole under a
 * temporary name and hard-linked into place, which fails atomically when it exists. A file whose
 * pid is gone is stale (SIGKILL, power loss) and taken over at once.
 */
export function lockDataDir(dir: string): DataDirLock {
  const file = lockFileOf(dir);
  mkdirSync(dirname(file), { recursive: true });
  const me: DataDirHolder = { pid: process.pid, startedAt: processStartedAt, url: null, control: null };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (linkWhole(file, me)) return held(dir, file, me);
    const holder = readHolder(file);
    if (holder && isAlive(holder, file)) throw new DataDirInUseError(dir, holder);
    // Stale (or half-written by a crash): remove it, unless another process took it meanwhile.
    const again = readHolder(file);
    if (JSON.stringify(again) === JSON.stringify(holder)) rmSync(file, { force: true });
  }
  throw new Error(`could not take ${file}: other processes keep taking it`);
}

/** The live process holding `dir`, or null when the folder is free (or its holder is dead). */
export function dataDirHolder(dir: string): DataDirHolder | null {
  const file = lockFileOf(dir);
  const holder = readHolder(file);
  return holder && isAlive(holder, file) ? holder : null;
}

function held(dir: string, file: string, me: DataDirHolder): DataDirLock {
  heldHere.add(file);
  const releaseOnExit = () => release();
  // A normal exit removes the file; after SIGKILL the dead pid marks it stale.
  process.once('exit', releaseOnExit);
  function release() {
    if (!heldHere.delete(file)) return;
    process.removeListener('exit', releaseOnExit);
    if (readHolder(file)?.pid === me.pid) rmSync(file, { force: true });
  }
  return {
    file,
    announce(info) {
      Object.assign(me, info);
      const tmp = tempName(file);
      writeFileSync(tmp, JSON.stringify(me), { mode: 0o600, flag: 'wx' });
      renameSync(tmp, file); // replaced whole: a reader never sees half a file
    },
    release,
  };
}

function linkWhole(file: string, holder: DataDirHolder): boolean {
  const tmp = tempName(file);
  writeFileSync(tmp, JSON.stringify(holder), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

const tempName = (file: string) => `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;

function readHolder(file: string): DataDirHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<DataDirHolder>;
    if (!Number.isInteger(parsed.pid) || (parsed.pid ?? 0) <= 0) return null;
    return {
      pid: parsed.pid!,
      startedAt: String(parsed.startedAt ?? 'unknown'),
      url: typeof parsed.url === 'string' ? parsed.url : null,
      control: typeof parsed.control === 'string' ? parsed.control : null,
    };
  } catch {
    return null; // missing or unreadable: nobody we could name holds it
  }
}

function isAlive(holder: DataDirHolder, file: string): boolean {
  // Our own pid in the file is a previous life (a container restarted as pid 1) unless we hold it.
  if (holder.pid === process.pid) return heldHere.has(file);
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}
