import type { ReportItem } from '@graminsta/contracts';
import { Link } from '../lib/router.tsx';
import { timeAgo } from '../lib/time.ts';
import { Avatar } from './avatar.tsx';
import { Caption } from './caption.tsx';
import { PhotoImage } from './photo-image.tsx';

type Post = NonNullable<Extract<ReportItem['content'], { type: 'comment' }>['photo']>;

function ReportedPost({ photo }: { photo: Post }) {
  return (
    <figure className="reported-post">
      {photo.media.length > 1 && <p className="muted small">First of {photo.media.length} photos</p>}
      <PhotoImage photo={photo} sizes="(max-width: 600px) 100vw, 480px" />
      <figcaption>
        <Caption username={photo.owner.username} text={photo.caption} />
        <Link to={`/p/${photo.id}`} className="muted small">
          Posted {timeAgo(photo.createdAt)}
        </Link>
      </figcaption>
    </figure>
  );
}

/** What was reported, shown in context: the post, the comment under its post, or the account. */
export function ReportedContent({ report }: { report: ReportItem }) {
  const content = report.content;
  if (!content) return <p className="muted">This content is already gone.</p>;
  switch (content.type) {
    case 'photo':
      return <ReportedPost photo={content.photo} />;
    case 'comment':
      return (
        <>
          <blockquote className="reported-comment" data-testid="reported-comment">
            <p>
              <Link to={`/u/${encodeURIComponent(content.comment.author.username)}`} className="username">
                {content.comment.author.username}
              </Link>{' '}
              {content.comment.body}
            </p>
          </blockquote>
          <p className="muted small">Under this post:</p>
          {content.photo ? (
            <ReportedPost photo={content.photo} />
          ) : (
            <p className="muted">The post is gone.</p>
          )}
        </>
      );
    case 'user':
      return (
        <div className="reported-user">
          <Link to={`/u/${encodeURIComponent(content.user.username)}`} className="user-chip">
            <Avatar user={content.user} size={56} />
            <span className="username">{content.user.username}</span>
          </Link>
          <p>{content.user.displayName}</p>
          {content.user.bio && <p className="bio">{content.user.bio}</p>}
          <p className="muted small">
            {content.user.photoCount} posts · {content.user.followerCount} followers
            {content.user.private && ' · private account'}
            {content.user.suspended && ' · suspended'}
          </p>
        </div>
      );
  }
}
