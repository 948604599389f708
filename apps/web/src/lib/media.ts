import type { Photo, PhotoMedia } from '@graminsta/contracts';

/** What PhotoImage and PhotoThumb draw: one item of a post, in the post's single-photo shape. */
export function mediaAsPhoto(post: Pick<Photo, 'owner'>, item: PhotoMedia) {
  return {
    variants: item.variants,
    placeholderColor: item.placeholder,
    altText: item.altText,
    owner: post.owner,
    width: item.width,
    height: item.height,
    status: item.status,
  };
}

/** "1 photo", "3 photos". */
export const photoCount = (n: number) => `${n} photo${n === 1 ? '' : 's'}`;

/** The composer's reminder when some photos have no description, or null when all have one. */
export function altTextReminder(missing: number, total: number): string | null {
  if (missing === 0) return null;
  const which = total === 1 ? 'Your photo has' : missing === 1 ? '1 photo has' : `${missing} photos have`;
  return `${which} no description. Add one for people who use screen readers?`;
}
