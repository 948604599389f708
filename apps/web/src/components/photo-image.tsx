import type { Photo } from '@graminsta/contracts';

type PhotoLike = Pick<
  Photo,
  'variants' | 'placeholderColor' | 'altText' | 'owner' | 'width' | 'height' | 'status'
>;

export const altOf = (photo: Pick<Photo, 'altText' | 'owner'>) =>
  photo.altText || `Photo by @${photo.owner.username}`;

/**
 * The feed-size and full-size image: the browser picks from `srcset` by width, and the
 * placeholder colour fills the frame (at the right aspect ratio) until the bytes arrive.
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
        <img
          src={v.w640.url}
          srcSet={`${v.w640.url} 640w, ${v.w1080.url} 1080w`}
          sizes={sizes}
          width={v.w1080.width}
          height={v.w1080.height}
          alt={altOf(photo)}
          loading="lazy"
          decoding="async"
        />
      ) : (
        <p className="photo-pending" role="status">
          {photo.status === 'failed' ? 'This photo could not be processed.' : 'Processing…'}
        </p>
      )}
    </div>
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
