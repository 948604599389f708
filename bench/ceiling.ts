/**
 * The ceiling: a bare Fastify hello world, in its own process like the real server, on the same
 * machine and through the same tsx loader. No API route can beat it; each scenario is reported
 * as a fraction of it, which says more than raw req/s on a shared 2-core machine.
 */
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { startChild, type Child } from '@graminsta/topology';

export const CEILING_PATH = '/hello';

/** Runs this file as a child process serving the hello world on a free loopback port. */
export async function startCeiling(port: number): Promise<Child> {
  return startChild({
    name: 'ceiling',
    command: process.execPath,
    args: ['--import', 'tsx', fileURLToPath(import.meta.url)],
    env: { ...process.env, PORT: String(port) },
    readyLine: /^ceiling listening at (\S+)/,
  });
}

async function serve(): Promise<void> {
  const app = Fastify({ logger: false });
  app.get(CEILING_PATH, async () => ({ hello: 'world' }));
  const url = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
  console.log(`ceiling listening at ${url}`);
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  serve().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
