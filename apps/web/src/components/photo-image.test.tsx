// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/react';
import { photo } from '../testing/fakes.tsx';
import { PhotoImage, PhotoThumb, avifSrcSetOf, srcSetOf } from './photo-image.tsx';

afterEach(cleanup);

describe('PhotoImage', () => {
  it('offers every size in srcset, fills with the placeholder colour, and uses the alt text', () => {
    const { container } = render(<PhotoImage photo={photo('3', { altText: 'a red boat' })} sizes="600px" />);
    const img = screen.getByAltText('a red boat');
    expect(img.getAttribute('srcset')).toBe(
      'https://cdn.test/3/w640.webp 640w, https://cdn.test/3/w1080.webp 1080w, https://cdn.test/3/w2048.webp 2048w',
    );
    expect(img.getAttribute('sizes')).toBe('600px');
    expect(img.getAttribute('src')).toBe('https://cdn.test/3/w640.webp');
    const frame = container.querySelector<HTMLElement>('.photo-frame')!;
    expect(frame.style.backgroundColor).toMatch(/#336699|rgb\(51, 102, 153\)/);
  });

  it('offers the 2048 px variant to large screens when the photo has one', () => {
    const base = photo('6', { altText: 'dunes' });
    const w2048 = { url: 'https://cdn.test/6/w2048.webp', width: 2048, height: 1536 };
    render(<PhotoImage photo={{ ...base, variants: { ...base.variants!, w2048 } }} sizes="100vw" />);
    expect(screen.getByAltText('dunes').getAttribute('srcset')).toBe(
      'https://cdn.test/6/w640.webp 640w, https://cdn.test/6/w1080.webp 1080w, https://cdn.test/6/w2048.webp 2048w',
    );
  });

  it('describes each variant by its real width, once, for originals smaller than a variant', () => {
    // A 1500 px original: "w2048" is 1500 wide, and a 900 px one makes w1080 and w2048 the same size.
    const v = (name: string, width: number) => ({
      url: `https://cdn.test/7/${name}.webp`,
      width,
      height: 10,
    });
    expect(
      srcSetOf({
        thumb: v('thumb', 320),
        w640: v('w640', 640),
        w1080: v('w1080', 1080),
        w2048: v('w2048', 1500),
      }),
    ).toBe(
      'https://cdn.test/7/w640.webp 640w, https://cdn.test/7/w1080.webp 1080w, https://cdn.test/7/w2048.webp 1500w',
    );
    expect(
      srcSetOf({
        thumb: v('thumb', 320),
        w640: v('w640', 640),
        w1080: v('w1080', 900),
        w2048: v('w2048', 900),
      }),
    ).toBe('https://cdn.test/7/w640.webp 640w, https://cdn.test/7/w1080.webp 900w');
  });

  it('offers the AVIF files through a <picture> source, keeping the WebP <img> for other browsers', () => {
    const base = photo('8', { altText: 'harbour' });
    const both = (name: 'w640' | 'w1080' | 'w2048', width: number) => ({
      url: `https://cdn.test/8/${name}.webp`,
      avifUrl: `https://cdn.test/8/${name}.avif`,
      width,
      height: width,
    });
    const variants = {
      ...base.variants!,
      w640: both('w640', 640),
      w1080: both('w1080', 1080),
      w2048: both('w2048', 2048),
    };
    const { container } = render(
      <PhotoImage photo={{ ...base, variants }} sizes="(min-width: 700px) 600px, 100vw" />,
    );
    const source = container.querySelector('picture > source')!;
    expect(source.getAttribute('type')).toBe('image/avif');
    expect(source.getAttribute('sizes')).toBe('(min-width: 700px) 600px, 100vw');
    expect(source.getAttribute('srcset')).toBe(
      'https://cdn.test/8/w640.avif 640w, https://cdn.test/8/w1080.avif 1080w, https://cdn.test/8/w2048.avif 2048w',
    );
    const img = screen.getByAltText('harbour');
    expect(img.parentElement!.tagName).toBe('PICTURE');
    expect(img.getAttribute('srcset')).toBe(
      'https://cdn.test/8/w640.webp 640w, https://cdn.test/8/w1080.webp 1080w, https://cdn.test/8/w2048.webp 2048w',
    );
    // One size without its AVIF twin: no AVIF source at all, or large screens would get a small AVIF.
    expect(avifSrcSetOf({ ...variants, w2048: { ...variants.w2048, avifUrl: undefined } })).toBeNull();
    cleanup();
    const { container: plain } = render(<PhotoImage photo={photo('9')} sizes="600px" />);
    expect(plain.querySelector('picture, source')).toBeNull();
  });

  it('names the owner when there is no alt text, and says when the photo is still processing', () => {
    render(<PhotoThumb photo={photo('4', { altText: '' })} />);
    expect(screen.getByAltText('Photo by @bob').getAttribute('src')).toBe('https://cdn.test/4/thumb.webp');
    cleanup();
    render(<PhotoImage photo={photo('5', { status: 'processing', variants: null })} sizes="600px" />);
    expect(screen.getByRole('status').textContent).toBe('Processing…');
    expect(screen.queryByRole('img')).toBeNull();
  });
});
