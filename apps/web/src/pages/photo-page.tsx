import { lazy, Suspense, useState } from 'react';
import { Avatar } from '../components/avatar.tsx';
import { Caption } from '../components/caption.tsx';
import { Carousel } from '../components/carousel.tsx';
import { Comments } from '../components/comments.tsx';
import { EditedMarker } from '../components/edited-marker.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { LikeButton } from '../components/like-button.tsx';
import { PostMenu } from '../components/post-menu.tsx';
import { SaveButton } from '../components/save-button.tsx';
import { Link, useRouter } from '../lib/router.tsx';
import { timeAgo } from '../lib/time.ts';
import { useAsync } from '../lib/use-async.ts';
import { usePhotoUpdates } from '../session/photo-updates.ts';
import { useSession } from '../session/session.tsx';

// The edit form carries the drag-and-drop sorter: loaded when the owner first asks to edit.
const EditPostForm = lazy(() =>
  import('../components/edit-post-form.tsx').then((m) => ({ default: m.EditPostForm })),
);

export function PhotoPage({ id }: { id: string }) {
  const { client, me } = useSession();
  const { navigate } = useRouter();
  const photo = useAsync((signal) => client.getPhoto({ params: { id } }, { signal }), [client, id, me?.id]);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);

  usePhotoUpdates((ready) => ready.id === id && photo.setData(ready));

  if (photo.error) {
    return (
      <section className="panel narrow">
        <title>Not found · Graminsta</title>
        <ErrorMessage error={photo.error} />
      </section>
    );
  }
  const p = photo.data;
  if (!p)
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  const own = me?.id === p.owner.id;

  const remove = async () => {
    if (!window.confirm('Delete this post? This cannot be undone.')) return;
    try {
      await client.deletePhoto({ params: { id: p.id } });
      navigate(`/u/${encodeURIComponent(p.owner.username)}`, { replace: true });
    } catch (err) {
      setDeleteError(err);
    }
  };

  return (
    <article className="photo-page" data-testid="photo-detail">
      <title>{`${p.caption ? p.caption.slice(0, 60) : 'Photo'} · @${p.owner.username} · Graminsta`}</title>
      <div className="photo-page-image">
        {/* Keyed by the order, so an edit that reorders starts again at the first photo. */}
        <Carousel key={p.media.map((m) => m.id).join()} photo={p} sizes="(max-width: 935px) 100vw, 600px" />
      </div>
      <div className="photo-page-side">
        <header className="card-header">
          <Link to={`/u/${encodeURIComponent(p.owner.username)}`} className="user-chip">
            <Avatar user={p.owner} />
            <span className="username">{p.owner.username}</span>
          </Link>
          {own && !editing && (
            <span className="owner-actions">
              <button type="button" className="link-button small" onClick={() => setEditing(true)}>
                Edit
              </button>
              <button type="button" className="link-button danger small" onClick={() => void remove()}>
                Delete post
              </button>
            </span>
          )}
          <PostMenu photo={p} />
        </header>
        <ErrorMessage error={deleteError} />
        <h1 className="visually-hidden">Post by {p.owner.username}</h1>
        {editing ? (
          <Suspense
            fallback={
              <p className="muted" role="status">
                Loading…
              </p>
            }
          >
            <EditPostForm
              photo={p}
              onCancel={() => setEditing(false)}
              onSaved={(edited) => {
                photo.setData(edited);
                setEditing(false);
              }}
            />
          </Suspense>
        ) : (
          <>
            <Caption username={p.owner.username} text={p.caption} />
            <EditedMarker editedAt={p.editedAt} />
          </>
        )}
        <div className="card-actions">
          <LikeButton key={p.id} photo={p} signedIn={!!me} />
          <time className="muted small" dateTime={p.createdAt}>
            {timeAgo(p.createdAt)}
          </time>
          <SaveButton key={`save-${p.id}`} photo={p} signedIn={!!me} />
        </div>
        <Comments
          photoId={p.id}
          onCountChange={(delta) => photo.setData({ ...p, commentCount: p.commentCount + delta })}
        />
      </div>
    </article>
  );
}
