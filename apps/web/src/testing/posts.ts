import type { Photo, PhotoMedia } from '@graminsta/contracts';
import { photo } from '@graminsta/sdk/testing/fixtures';

/** Item `i` of post `id`: ready, square, with its own URLs and alt text. */
export function item(id: string, i: number, extra: Partial<PhotoMedia> = {}): PhotoMedia {
  const mediaId = `${id}${i}`;
  const variant = (size: string, w: number) => ({
    url: `https://cdn.test/${mediaId}/${size}.webp`,
    width: w,
    height: w,
  });
  return {
    id: mediaId,
    status: 'ready',
    failureReason: null,
    variants: { thumb: variant('thumb', 320), w640: variant('w640', 640), w1080: variant('w1080', 1080) },
    width: 1080,
    height: 1080,
    placeholder: '#336699',
    altText: `alt ${id}.${i}`,
    ...extra,
  };
}

/** A ready post of `count` photos (Bob's, like the SDK fixture), its first item mirrored on top. */
export function post(id: string, count: number, extra: Partial<Photo> = {}): Photo {
  const media = Array.from({ length: count }, (_, i) => item(id, i + 1));
  const first = media[0]!;
  return photo(id, {
    altText: first.altText,
    variants: first.variants,
    savedByMe: false,
    editedAt: null,
    media,
    ...extra,
  });
}
