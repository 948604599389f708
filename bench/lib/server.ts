import { fileURLToPath } from 'node:url';
import { startGraminsta } from '@graminsta/server';
import type { Child } from '@graminsta/topology';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerOptions {
  port: number;
  dataDir: string;
  /** PostgreSQL when set; PGlite in DATA_DIR otherwise. */
  databaseUrl?: string;
}

/** The real server, started the way a user starts it: `graminsta start`, every role, one process. */
export function startServer(opts: ServerOptions): Promise<Child> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(opts.port),
    HOST: '127.0.0.1',
    DATA_DIR: opts.dataDir,
    LOG_LEVEL: 'warn',
    // The load comes from one address: limits stay on (their cost is measured) but far away.
    RATE_LIMITS: '1000',
  };
  // An inherited DATABASE_URL would send the PGlite run to some other database.
  delete env.DATABASE_URL;
  if (opts.databaseUrl) env.DATABASE_URL = opts.databaseUrl;
  return startGraminsta(['start'], env, ROOT);
}
