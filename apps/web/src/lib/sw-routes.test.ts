import { describe, expect, it } from 'vitest';
import { SERVER_PATHS, isPhotoVariant } from './sw-routes.ts';

const HASH = 'ab12'.repeat(16);

describe('what the service worker keeps', () => {
  it('keeps photo variants, on the storage role or on a bucket or CDN', () => {
    for (const url of [
      `http://localhost:4100/storage/blobs/p/7166/${HASH}.webp`,
      `https://cdn.graminsta.example/p/7166/${HASH}.avif`,
      `https://s3.example/bucket/p/7166/2/${HASH}.webp`,
    ]) {
      expect(isPhotoVariant(new URL(url)), url).toBe(true);
    }
  });

  it('never keeps API answers, originals, scripts or anything without a content hash', () => {
    for (const url of [
      'http://localhost:4100/api/v1/photos/7166',
      `http://localhost:4100/api/v1/p/7166/${HASH}.webp`,
      `http://localhost:4100/storage/blobs/uploads/7166/${HASH}.jpg`,
      'http://localhost:4100/storage/blobs/p/7166/latest.webp',
      'http://localhost:4200/assets/index-CMZiI03t.js',
      'http://localhost:4200/config.js',
    ]) {
      expect(isPhotoVariant(new URL(url)), url).toBe(false);
    }
  });

  it('treats the API tier’s paths as no page of the app', () => {
    for (const path of ['/api/v1/me', '/storage/blobs/p/1/x.webp', '/ws', '/healthz', '/metrics']) {
      expect(SERVER_PATHS.test(path), path).toBe(true);
    }
    for (const path of ['/', '/u/ana', '/p/7166', '/apiary', '/explore']) {
      expect(SERVER_PATHS.test(path), path).toBe(false);
    }
  });
});
