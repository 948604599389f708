import type { Photo } from '@graminsta/contracts';
import type { BlobStore } from '@graminsta/platform';
import { presentVariants } from '../media/variant-urls.ts';
import { toUserSummary } from '../users/user.presenter.ts';
import type { PhotoRepository, PhotoWithOwner, StoredVariants } from './photo.repository.ts';
import { extractTags } from './tags.ts';

type UrlOf = (key: string) => string;

export function toPhoto({ photo, owner }: PhotoWithOwner, likedByMe: boolean, urlOf: UrlOf): Photo {
  return {
    id: photo.id,
    owner: toUserSummary(owner),
    caption: photo.caption,
    altText: photo.altText,
    // Captions never change, so their tags are the ones stored in photo_tags.
    tags: extractTags(photo.caption),
    status: photo.status,
    failureReason: photo.failureReason,
    variants: photo.status === 'ready' ? toVariants(photo.variants, urlOf) : null,
    placeholderColor: photo.placeholderColor,
    width: photo.width,
    height: photo.height,
    likeCount: photo.likeCount,
    commentCount: photo.commentCount,
    likedByMe,
    createdAt: photo.createdAt.toISOString(),
  };
}

function toVariants(stored: StoredVariants | null, urlOf: UrlOf): Photo['variants'] {
  return presentVariants(stored, urlOf);
}

/** Presents a list of photos for one viewer, with one query for all their likedByMe flags. */
export class PhotoPresenter {
  constructor(private readonly deps: { photos: PhotoRepository; blobs: Pick<BlobStore, 'publicUrl'> }) {}

  async present(rows: PhotoWithOwner[], viewerId: string | null): Promise<Photo[]> {
    const liked = viewerId
      ? await this.deps.photos.likedBy(
          viewerId,
          rows.map((r) => r.photo.id),
        )
      : new Set();
    const urlOf = (key: string) => this.deps.blobs.publicUrl(key);
    return rows.map((row) => toPhoto(row, liked.has(row.photo.id), urlOf));
  }

  async presentOne(row: PhotoWithOwner, viewerId: string | null): Promise<Photo> {
    const [photo] = await this.present([row], viewerId);
    return photo!;
  }
}
