import type { Photo, PhotoMedia, Variants } from '@graminsta/contracts';
import type { BlobStore } from '@graminsta/platform';
import { presentVariants } from '../media/variant-urls.ts';
import { toUserSummary } from '../users/user.presenter.ts';
import type { PhotoRepository, PhotoWithOwner, StoredMedia, StoredVariants } from './photo.repository.ts';
import { extractTags } from './tags.ts';

type UrlOf = (key: string) => string;

interface ViewerFlags {
  likedByMe: boolean;
  savedByMe: boolean;
}

export function toPhoto({ photo, owner, media }: PhotoWithOwner, flags: ViewerFlags, urlOf: UrlOf): Photo {
  const items = media.map((item) => toMedia(item, urlOf));
  // The single-photo fields mirror the cover (the first item), as clients of one-photo posts read them.
  const cover = items[0]!;
  return {
    id: photo.id,
    owner: toUserSummary(owner),
    caption: photo.caption,
    altText: cover.altText,
    // The caption's tags are the ones stored in photo_tags (an edit rewrites both together).
    tags: extractTags(photo.caption),
    status: photo.status,
    failureReason: photo.failureReason,
    variants: photo.status === 'ready' ? cover.variants : null,
    placeholderColor: cover.placeholder,
    width: cover.width,
    height: cover.height,
    likeCount: photo.likeCount,
    commentCount: photo.commentCount,
    ...flags,
    media: items,
    createdAt: photo.createdAt.toISOString(),
    editedAt: photo.editedAt?.toISOString() ?? null,
  };
}

function toMedia(item: StoredMedia, urlOf: UrlOf): PhotoMedia {
  return {
    id: item.id,
    status: item.status,
    failureReason: item.failureReason,
    variants: item.status === 'ready' ? toVariants(item.variants, urlOf) : null,
    width: item.width,
    height: item.height,
    placeholder: item.placeholderColor,
    altText: item.altText,
  };
}

function toVariants(stored: StoredVariants | null, urlOf: UrlOf): Variants | null {
  return presentVariants(stored, urlOf);
}

/** Presents a page of posts for one viewer, with one query for all their likedByMe and savedByMe flags. */
export class PhotoPresenter {
  constructor(private readonly deps: { photos: PhotoRepository; blobs: Pick<BlobStore, 'publicUrl'> }) {}

  async present(rows: PhotoWithOwner[], viewerId: string | null): Promise<Photo[]> {
    // Rows that came with the viewer's flags (the feeds') need no lookup.
    const state =
      viewerId && rows.some((r) => r.viewer === undefined)
        ? await this.deps.photos.viewerState(
            viewerId,
            rows.map((r) => r.photo.id),
          )
        : null;
    const urlOf = (key: string) => this.deps.blobs.publicUrl(key);
    return rows.map((row) =>
      toPhoto(
        row,
        {
          likedByMe: row.viewer?.liked ?? state?.liked.has(row.photo.id) ?? false,
          savedByMe: row.viewer?.saved ?? state?.saved.has(row.photo.id) ?? false,
        },
        urlOf,
      ),
    );
  }

  async presentOne(row: PhotoWithOwner, viewerId: string | null): Promise<Photo> {
    const [photo] = await this.present([row], viewerId);
    return photo!;
  }
}
