import { join, resolve } from 'node:path';
import { loadConfig } from '@graminsta/platform';
import { startObjectStore } from '@graminsta/platform/blob/object-store-server';

/**
 * `graminsta object-store`: stage 5's S3-protocol store on one machine (s3rver), as a process of
 * its own so that `graminsta up` supervises it like any other: objects in $DATA_DIR/objects, the
 * bucket S3_BUCKET, CORS for CORS_ORIGINS (the web client's origin: browsers send uploads here),
 * on HOST:PORT. Runs until SIGTERM or SIGINT.
 */
export async function runObjectStore(env: Record<string, string | undefined>): Promise<number> {
  const config = loadConfig(env);
  const store = await startObjectStore({
    dir: join(resolve(config.DATA_DIR), 'objects'),
    bucket: config.S3_BUCKET,
    host: config.HOST,
    port: config.PORT,
    corsOrigins: config.CORS_ORIGINS,
  });
  console.log(`Object store is ready at ${store.url} (bucket ${store.bucket})`);
  await new Promise<void>((done) => {
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
  });
  await store.close();
  return 0;
}
