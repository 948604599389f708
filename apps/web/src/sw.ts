/// <reference lib="webworker" />
// The service worker (built by vite-plugin-pwa's injectManifest into /sw.js). What it keeps:
// the app shell (this build's files, precached), /config.js (network first, so a new API
// address is seen at once) and recently seen photo variants. What it never keeps: API answers
// (/api/…, which hold private data; no route here matches them, so they go to the network as
// if there were no worker) and anything sent with the session cookie.
import { clientsClaim } from 'workbox-core';
import { ExpirationPlugin } from 'workbox-expiration';
import { CacheableResponsePlugin } from 'workbox-cacheable-response';
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheFirst, NetworkFirst, NetworkOnly } from 'workbox-strategies';
import type { RouteHandlerCallbackOptions, WorkboxPlugin } from 'workbox-core/types.js';
import { IMAGE_CACHE, SERVER_PATHS, isPhotoVariant } from './lib/sw-routes.ts';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: Array<{ url: string; revision: string | null }>;
};

// A new build takes over at once: the page is fetched from the network first anyway.
void self.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();
// `directoryIndex: ''` keeps "/" out of the precache route: pages go through the route below.
precacheAndRoute(self.__WB_MANIFEST, { directoryIndex: '', cleanURLs: false });

// Pages: always the network (a fresh page, with its fresh CSP); offline, the precached shell,
// whose client-side router draws any route; without it, the offline page.
const pages = new NetworkOnly();
registerRoute(
  new NavigationRoute(
    async (options: RouteHandlerCallbackOptions) => {
      try {
        return await pages.handle(options);
      } catch {
        return (
          (await matchPrecache('/index.html')) ?? (await matchPrecache('/offline.html')) ?? Response.error()
        );
      }
    },
    // The API's and storage's own paths are never pages of the app.
    { denylist: [SERVER_PATHS] },
  ),
);

// Where the API is: asked of the network each time, the last answer kept for offline starts.
registerRoute(
  ({ url, sameOrigin }) => sameOrigin && url.pathname === '/config.js',
  new NetworkFirst({
    cacheName: 'graminsta-config',
    plugins: [new CacheableResponsePlugin({ statuses: [200] })],
  }),
);

// Photo variants live under content-addressed keys: a URL's bytes never change, so the cache
// answers first. Fetched in CORS mode (the storage role allows the web origin) so the status is
// known and a 404 is never kept; an opaque answer would also count for megabytes of quota.
const corsFetch: WorkboxPlugin = {
  requestWillFetch: async ({ request }) =>
    new URL(request.url).origin === self.location.origin
      ? request
      : new Request(request.url, { mode: 'cors', credentials: 'omit' }),
};
const images = new CacheFirst({
  cacheName: IMAGE_CACHE,
  matchOptions: { ignoreVary: true },
  plugins: [
    corsFetch,
    new CacheableResponsePlugin({ statuses: [200] }),
    new ExpirationPlugin({ maxEntries: 300, maxAgeSeconds: 30 * 24 * 3600, purgeOnQuotaError: true }),
  ],
});
registerRoute(
  ({ request, url }) => request.destination === 'image' && isPhotoVariant(url),
  async (options) => {
    try {
      return await images.handle(options);
    } catch {
      // Not kept and not fetched in CORS mode (offline, or a CDN without CORS): the plain fetch
      // the page would have made, not kept either.
      return fetch(options.request);
    }
  },
);
