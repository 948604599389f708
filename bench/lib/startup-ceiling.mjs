// The start-up ceilings, plain JavaScript like the compiled server: a bare Fastify hello world
// answering /readyz, and (given a folder) the same after a bare PGlite open of that folder.
import Fastify from 'fastify';

const folder = process.argv[2];
if (folder) {
  const { PGlite } = await import('@electric-sql/pglite');
  await PGlite.create(folder);
}
const app = Fastify({ logger: false });
app.get('/readyz', async () => ({ status: 'ready' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.once('SIGTERM', () => process.exit(0));
