import { resolve, join } from 'node:path';
import { loadConfig, openDatabase } from '@graminsta/platform';
import { MIGRATIONS_FOLDER } from '@graminsta/core';

export async function runMigrate(env: Record<string, string | undefined>): Promise<void> {
  const config = loadConfig(env);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: join(resolve(config.DATA_DIR), 'pglite'),
    poolSize: 1,
  });
  try {
    await database.migrate(MIGRATIONS_FOLDER);
  } finally {
    await database.close();
  }
}
