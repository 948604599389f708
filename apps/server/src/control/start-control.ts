import { chmodSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Composition } from '../compose.ts';
import { listenControl, type ControlSocket } from './control-socket.ts';

export interface Control {
  /** Names this process (its URL, its socket) in the folder's lock file, once it listens. */
  announce(url: string): void;
  close(): Promise<void>;
}

/**
 * A process holding a PGlite folder opens its control socket beside it and names itself (URL,
 * socket) in the folder's lock file, so a second command run here can find it and go through it.
 * PostgreSQL (stages 2+) needs neither: any number of processes share it.
 */
export async function startControl(comp: Composition, logger: Logger): Promise<Control | null> {
  const lock = comp.database.lock;
  if (!lock) return null;
  // In a folder only the operator can enter: the socket itself is 0600 only once it exists.
  const dir = join(resolve(comp.config.DATA_DIR), 'control');
  const path = join(dir, 'graminsta.sock');
  let control: ControlSocket | null = null;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    control = await listenControl(
      path,
      {
        async seed(users, progress) {
          const { seedDemo } = await import('../cli/seed.ts'); // off the start path
          return seedDemo(comp, { users }, progress);
        },
        async setRole(username, role) {
          const { setRoleMessage } = await import('../cli/admin.ts');
          return setRoleMessage(comp, username, role);
        },
      },
      logger,
    );
  } catch (err) {
    // e.g. a DATA_DIR path too long for a Unix socket: serve anyway; `seed` will name us and stop.
    logger.warn({ err, path }, 'no control socket: `graminsta seed` cannot run beside this server');
  }
  return {
    announce: (url) => lock.announce({ url, control: control?.path ?? null }),
    close: async () => control?.close(),
  };
}
