import type { Logger } from 'pino';

export interface ProcessGuardOptions {
  logger: Logger;
  /** Graceful stop: not-ready, finish in-flight work, close pools. */
  drain: () => Promise<void>;
  /** Longest the drain may take before the exit is forced. */
  drainMs: number;
  exit?: (code: number) => void;
}

/**
 * Last-resort handlers. A rejection nobody awaited is a bug in one code path, not a broken
 * process: log it and keep serving. An uncaught exception may have left state half-changed
 * (a lock held, a counter moved), so drain and exit non-zero for the supervisor to restart us.
 */
export function installProcessGuards(target: NodeJS.Process, opts: ProcessGuardOptions): void {
  const exit = opts.exit ?? ((code: number) => target.exit(code));
  target.on('unhandledRejection', (reason) => {
    opts.logger.error({ err: reason }, 'unhandled promise rejection; still serving');
  });
  let exiting = false;
  target.on('uncaughtException', (err, origin) => {
    opts.logger.fatal({ err, origin }, 'uncaught exception; draining, then exiting for a restart');
    if (exiting) return;
    exiting = true;
    const force = setTimeout(() => exit(1), opts.drainMs);
    force.unref();
    opts.drain().then(
      () => exit(1),
      (drainErr: unknown) => {
        opts.logger.error({ err: drainErr }, 'drain after uncaught exception failed');
        exit(1);
      },
    );
  });
}
