import type { ReactNode } from 'react';
import type { Photo } from '@graminsta/contracts';

type PhotoLike = Pick<
  Photo,
  'variants' | 'placeholderColor' | 'altText' | 'owner' | 'width' | 'height' | 'status'
>;

export const altOf = (photo: Pick<Photo, 'altText' | 'owner'>) =>
  photo.altText || `Photo by @${photo.owner.username}`;

type Variants = NonNullable<Photo['variants']>;

/**
 * Every width variant the photo has, smallest first, described by its real width: a variant is
 * never enlarged, so a 1500 px original has a 1500 px "w2048", and one width is offered once.
 * Photos processed before w2048 existed simply lack it.
 */
function candidates(v: Variants) {
  const byWidth = new Map<number, Variants['w640']>();
  for (const x of [v.w640, v.w1080, v.w2048]) if (x && !byWidth.has(x.width)) byWidth.set(x.width, x);
  return [...byWidth.values()];
}

export const srcSetOf = (v: Variants): string =>
  candidates(v)
    .map((x) => `${x.url} ${x.width}w`)
    .join(', ');

/** The same widths as AVIF, or null unless every one has an AVIF twin (else large screens would get a small AVIF). */
export function avifSrcSetOf(v: Variants): string | null {
  const all = candidates(v);
  if (!all.every((x) => x.avifUrl)) return null;
  return all.map((x) => `${x.avifUrl} ${x.width}w`).join(', ');
}

/**
 * The feed-size and full-size image: the browser picks from `srcset` by width (the 2048 px
 * variant serves large and high-density screens) and, when the photo has them, prefers the AVIF
 * files; the placeholder colour fills the frame (at the right aspect ratio) until the bytes arrive.
 */
export function PhotoImage({ photo, sizes }: { photo: PhotoLike; sizes: string }) {
  const v = photo.variants;
  const width = photo.width ?? v?.w1080.width ?? 1;
  const height = photo.height ?? v?.w1080.height ?? 1;
  return (
    <div
      className="photo-frame"
      style={{ backgroundColor: photo.placeholderColor ?? undefined, aspectRatio: `${width} / ${height}` }}
    >
      {v ? (
        <Sources avif={avifSrcSetOf(v)} sizes={sizes}>
          <img
            src={v.w640.url}
            srcSet={srcSetOf(v)}
            sizes={sizes}
            width={v.w1080.width}
            height={v.w1080.height}
            alt={altOf(photo)}
            loading="lazy"
            decoding="async"
          />
        </Sources>
      ) : (
        <p className="photo-pending" role="status">
          {photo.status === 'failed' ? 'This photo could not be processed.' : 'Processing…'}
        </p>
      )}
    </div>
  );
}

/** A browser that reads AVIF takes the `<source>`; any other falls through to the WebP `<img>`. */
function Sources({ avif, sizes, children }: { avif: string | null; sizes: string; children: ReactNode }) {
  if (!avif) return children;
  return (
    // `display: contents` keeps the frame's `img` rules applying as if the picture were not there.
    <picture style={{ display: 'contents' }}>
      <source type="image/avif" srcSet={avif} sizes={sizes} />
      {children}
    </picture>
  );
}

/** A square grid thumbnail. */
export function PhotoThumb({ photo }: { photo: PhotoLike }) {
  const v = photo.variants;
  return (
    <div className="thumb-frame" style={{ backgroundColor: photo.placeholderColor ?? undefined }}>
      {v ? (
        <img
          src={v.thumb.url}
          width={v.thumb.width}
          height={v.thumb.height}
          alt={altOf(photo)}
          loading="lazy"
          decoding="async"
        />
      ) : (
        <span className="photo-pending">{photo.status === 'failed' ? 'Failed' : 'Processing…'}</span>
      )}
    </div>
  );
}
