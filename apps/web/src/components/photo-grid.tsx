import type { Photo } from '@graminsta/contracts';
import { Link } from '../lib/router.tsx';
import type { PagedList } from '../lib/paged-list.ts';
import { photoCount } from '../lib/media.ts';
import { LoadMore } from './load-more.tsx';
import { PhotoThumb } from './photo-image.tsx';

/** Square thumbnails, three to a row, loading more as you scroll; a post of several photos shows its first with a marker. */
export function PhotoGrid({
  list,
  empty,
  noun = 'more photos',
}: {
  list: PagedList<Photo>;
  empty: string;
  /** What "Load …" loads. */
  noun?: string;
}) {
  return (
    <>
      {list.items.length === 0 && !list.loading && !list.hasMore && !list.error && (
        <p className="empty">{empty}</p>
      )}
      <ul className="grid" data-testid="photo-grid">
        {list.items.map((photo) => (
          <li key={photo.id}>
            <Link to={`/p/${photo.id}`} className="grid-item">
              <PhotoThumb photo={photo} />
              {photo.media.length > 1 && (
                <span className="grid-multi" role="img" aria-label={photoCount(photo.media.length)}>
                  <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                    <path d="M8 3h13v13H8ZM16 19v2H3V8h2" />
                  </svg>
                </span>
              )}
              <span className="grid-overlay" aria-hidden="true">
                ♥ {photo.likeCount} · 💬 {photo.commentCount}
              </span>
            </Link>
          </li>
        ))}
      </ul>
      <LoadMore {...list} onLoadMore={list.loadMore} noun={noun} />
    </>
  );
}
