import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Config } from '@graminsta/platform';

export const WEB_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url));

/** The `web` role: serves the built client; hashed assets are immutable, index.html never cached. */
export async function webPlugin(app: FastifyInstance, opts: { config: Config; dist?: string }): Promise<void> {
  const dist = opts.dist ?? WEB_DIST;
  if (!existsSync(`${dist}/index.html`)) {
    app.get('/', async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(
          '<!doctype html><meta charset="utf-8"><title>Graminsta</title>' +
            '<h1>Graminsta is running</h1><p>The web client is not built in this checkout ' +
            '(<code>npm run build -w @graminsta/web</code>). The API lives under <a href="/api/openapi.json">/api/v1</a>.</p>',
        ),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: dist,
    wildcard: false,
    setHeaders: (res, path) => {
      res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
