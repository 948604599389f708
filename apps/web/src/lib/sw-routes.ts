// What the service worker (src/sw.ts) decides by URL alone, kept apart so it can be tested.

export const IMAGE_CACHE = 'graminsta-photos';

/** Paths of the API tier: never pages of the app, never answered from a cache. */
export const SERVER_PATHS = /^\/(api|storage|ws|healthz|readyz|metrics)(\/|$)/;

/**
 * A photo variant's public URL: `…/p/<photo id>/…/<content hash>.<image type>`, wherever the
 * store lives (`/storage/blobs/p/…` on the API, or a bucket or CDN). Its key is its content's
 * hash, so the bytes at that URL never change.
 */
export function isPhotoVariant(url: URL): boolean {
  return (
    !url.pathname.startsWith('/api/') &&
    /\/p\/\d+\/(?:[^/]+\/)*[0-9a-f]{16,}\.(?:webp|avif|jpe?g|png)$/.test(url.pathname)
  );
}
