import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Config } from '@graminsta/platform';
import { contentSecurityPolicy, webClientConfig } from './web-config.ts';

export const WEB_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url));

const NOT_PAGES = /^\/(api|storage|ws|healthz|readyz|metrics)(\/|$)/;

/**
 * The `web` role: serves the built client. Hashed files under /assets are immutable;
 * index.html is never cached, carries a Content-Security-Policy, and is the fallback for
 * client-side routes (/u/name, /p/123…).
 */
export async function webPlugin(
  app: FastifyInstance,
  opts: { config: Config; dist?: string },
): Promise<void> {
  const dist = opts.dist ?? WEB_DIST;
  const csp = contentSecurityPolicy(opts.config);
  const configJs = `window.__GRAMINSTA__ = ${JSON.stringify(webClientConfig(opts.config))};\n`;
  const page = (reply: FastifyReply) =>
    reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .type('text/html; charset=utf-8');

  app.get('/config.js', async (_request, reply) =>
    reply.header('cache-control', 'no-cache').type('text/javascript; charset=utf-8').send(configJs),
  );

  if (!existsSync(`${dist}/index.html`)) {
    app.get('/', async (_request, reply) =>
      page(reply).send(
        '<!doctype html><meta charset="utf-8"><title>Graminsta</title>' +
          '<h1>Graminsta is running</h1><p>The web client is not built in this checkout ' +
          '(<code>npm run build -w @graminsta/web</code>). The API is described at ' +
          '<a href="/api/openapi.json">/api/openapi.json</a>.</p>',
      ),
    );
    return;
  }

  // The runtime config must load before the bundle: it says where the API is. Builds load it
  // themselves (so nginx can serve them as they are); older ones get it added here.
  const built = await readFile(`${dist}/index.html`, 'utf8');
  const html = built.includes('<script src="/config.js"></script>')
    ? built
    : built.replace('<head>', '<head>\n    <script src="/config.js"></script>');
  await app.register(fastifyStatic, {
    root: dist,
    index: false,
    // One route per built file (the build is fixed at start-up); everything else falls to the page.
    wildcard: false,
    // Off, or send's own "public, max-age=0" would replace the header set below.
    cacheControl: false,
    setHeaders: (res, path) => {
      res.setHeader(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
      // /index.html asked for by name is the same page: it gets the same policy.
      if (path.endsWith('.html')) res.setHeader('content-security-policy', csp);
    },
  });
  app.get('/', async (_request, reply) => page(reply).send(html));
  app.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (
      request.method !== 'GET' ||
      NOT_PAGES.test(path) ||
      path.startsWith('/assets/') ||
      /\.[a-z0-9]+$/i.test(path)
    ) {
      return reply
        .code(404)
        .send({ error: { code: 'not_found', message: `no route for ${request.method} ${path}` } });
    }
    return page(reply).send(html);
  });
}
