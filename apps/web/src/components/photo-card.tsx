import type { Photo } from '@graminsta/contracts';
import { Link } from '../lib/router.tsx';
import { timeAgo } from '../lib/time.ts';
import { Avatar } from './avatar.tsx';
import { Caption } from './caption.tsx';
import { Carousel } from './carousel.tsx';
import { EditedMarker } from './edited-marker.tsx';
import { LikeButton } from './like-button.tsx';
import { PostMenu } from './post-menu.tsx';
import { SaveButton } from './save-button.tsx';

/** One post in the feed column: its photo, or its photos as a carousel. */
export function PhotoCard({ photo, signedIn }: { photo: Photo; signedIn: boolean }) {
  const owner = photo.owner;
  return (
    <article className="card" data-testid="photo-card" aria-labelledby={`photo-${photo.id}-by`}>
      <header className="card-header">
        <Link
          to={`/u/${encodeURIComponent(owner.username)}`}
          className="user-chip"
          id={`photo-${photo.id}-by`}
        >
          <Avatar user={owner} />
          <span className="username">{owner.username}</span>
        </Link>
        <Link to={`/p/${photo.id}`} className="muted small">
          <time dateTime={photo.createdAt}>{timeAgo(photo.createdAt)}</time>
        </Link>
        <PostMenu photo={photo} />
      </header>
      <Carousel
        photo={photo}
        sizes="(max-width: 600px) 100vw, 600px"
        wrap={(image) => (
          <Link to={`/p/${photo.id}`} className="card-image" aria-label={`Open post by ${owner.username}`}>
            {image}
          </Link>
        )}
      />
      <div className="card-body">
        <div className="card-actions">
          <LikeButton photo={photo} signedIn={signedIn} />
          <Link to={`/p/${photo.id}#comments`} className="muted small">
            {photo.commentCount === 0
              ? 'Comment'
              : `View ${photo.commentCount} comment${photo.commentCount === 1 ? '' : 's'}`}
          </Link>
          <SaveButton key={photo.id} photo={photo} signedIn={signedIn} />
        </div>
        <Caption username={owner.username} text={photo.caption} />
        <EditedMarker editedAt={photo.editedAt} />
      </div>
    </article>
  );
}
