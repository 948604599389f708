import { useState } from 'react';
import { LoadMore } from '../components/load-more.tsx';
import { PhotoCard } from '../components/photo-card.tsx';
import { usePagedList } from '../lib/paged-list.ts';
import { Link } from '../lib/router.tsx';
import { usePhotoUpdates } from '../session/photo-updates.ts';
import { useRealtimeEvents } from '../session/realtime.tsx';
import { useSession } from '../session/session.tsx';

/** The home feed: followed accounts and your own posts, newest first, loading on scroll. */
export function FeedPage() {
  const { client, me } = useSession();
  // Bumped by the "New posts" button: the list starts again from the newest.
  const [generation, setGeneration] = useState(0);
  const [newPosts, setNewPosts] = useState(0);
  const list = usePagedList(
    (cursor, signal) => client.feed({ query: { cursor } }, { signal }),
    [client, me?.id, generation],
  );

  // Someone you follow posted (post.new, sent while you are online): offered, not forced in.
  useRealtimeEvents((event) => {
    if (event.type === 'post.new') setNewPosts((n) => n + 1);
  });

  // Your own photo that was still processing turns into the real thing in place.
  usePhotoUpdates((ready) => list.update((items) => items.map((p) => (p.id === ready.id ? ready : p))));

  return (
    <section className="feed-column">
      <title>Home · Graminsta</title>
      <h1 className="visually-hidden">Home feed</h1>
      {newPosts > 0 && (
        <button
          type="button"
          className="new-posts"
          onClick={() => {
            setNewPosts(0);
            setGeneration((g) => g + 1);
          }}
        >
          New posts
        </button>
      )}
      {list.items.length === 0 && !list.hasMore && !list.error && (
        <div className="panel empty">
          <p>Your feed is empty.</p>
          <p>
            Find people to follow on <Link to="/explore">Explore</Link>, or{' '}
            <Link to="/upload">post a photo</Link>.
          </p>
        </div>
      )}
      <ol className="feed" data-testid="feed-list" aria-label="Photos">
        {list.items.map((photo) => (
          <li key={photo.id}>
            <PhotoCard photo={photo} signedIn={!!me} />
          </li>
        ))}
      </ol>
      <LoadMore {...list} onLoadMore={list.loadMore} noun="more photos" />
    </section>
  );
}
