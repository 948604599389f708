import { describe, expect, it } from 'vitest';
import { presentVariants, type StoredVariantMap } from './variant-urls.ts';

const urlOf = (key: string) => `https://cdn.test/${key}`;
const at = (key: string, width: number) => ({ key, width, height: width / 2 });

describe('presentVariants', () => {
  it('gives every size its URL, w2048 included, and each width variant its AVIF twin', () => {
    const stored: StoredVariantMap = {
      thumb: at('t.webp', 320),
      w640: at('a.webp', 640),
      'w640.avif': at('a.avif', 640),
      w1080: at('b.webp', 1080),
      'w1080.avif': at('b.avif', 1080),
      w2048: at('c.webp', 2048),
      'w2048.avif': at('c.avif', 2048),
    };
    expect(presentVariants(stored, urlOf)).toEqual({
      thumb: { url: 'https://cdn.test/t.webp', width: 320, height: 160 },
      w640: { url: 'https://cdn.test/a.webp', avifUrl: 'https://cdn.test/a.avif', width: 640, height: 320 },
      w1080: { url: 'https://cdn.test/b.webp', avifUrl: 'https://cdn.test/b.avif', width: 1080, height: 540 },
      w2048: {
        url: 'https://cdn.test/c.webp',
        avifUrl: 'https://cdn.test/c.avif',
        width: 2048,
        height: 1024,
      },
    });
  });

  it('presents a photo processed before w2048 and AVIF existed exactly as before', () => {
    const stored = { thumb: at('t.webp', 320), w640: at('a.webp', 640), w1080: at('b.webp', 1080) };
    const v = presentVariants(stored, urlOf)!;
    expect(Object.keys(v).sort()).toEqual(['thumb', 'w1080', 'w640']);
    expect(v.w640).toEqual({ url: 'https://cdn.test/a.webp', width: 640, height: 320 });
  });

  it('has no variants until the three original sizes exist', () => {
    expect(presentVariants(null, urlOf)).toBeNull();
    expect(presentVariants({ thumb: at('t.webp', 320), w2048: at('c.webp', 2048) }, urlOf)).toBeNull();
  });
});
