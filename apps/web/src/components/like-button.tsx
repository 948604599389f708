import { useRef, useState } from 'react';
import type { Photo } from '@graminsta/contracts';
import { useClient } from '../session/session.tsx';
import { ErrorMessage } from './error-message.tsx';

interface LikeState {
  liked: boolean;
  count: number;
}

/**
 * Like/unlike shown at once (optimistic), confirmed by the API's counts, and put back as it
 * was when the API refuses.
 */
export function useLike(photo: Pick<Photo, 'id' | 'likedByMe' | 'likeCount'>) {
  const client = useClient();
  const [state, setState] = useState<LikeState>({ liked: photo.likedByMe, count: photo.likeCount });
  const [error, setError] = useState<Error | null>(null);
  const pending = useRef(false);

  const toggle = async () => {
    // One request at a time, so a late answer cannot overwrite a newer click.
    if (pending.current) return;
    pending.current = true;
    const before = state;
    const want = !before.liked;
    setState({ liked: want, count: Math.max(0, before.count + (want ? 1 : -1)) });
    setError(null);
    try {
      const result = want
        ? await client.like({ params: { id: photo.id } })
        : await client.unlike({ params: { id: photo.id } });
      setState({ liked: result.liked, count: result.likeCount });
    } catch (err) {
      setState(before);
      setError(err instanceof Error ? err : new Error('could not save your like'));
    } finally {
      pending.current = false;
    }
  };
  return { ...state, error, toggle };
}

export function LikeButton({
  photo,
  signedIn,
}: {
  photo: Pick<Photo, 'id' | 'likedByMe' | 'likeCount'>;
  signedIn: boolean;
}) {
  const { liked, count, error, toggle } = useLike(photo);
  return (
    <div className="like">
      <button
        type="button"
        className={`icon-button like-button${liked ? ' liked' : ''}`}
        data-testid="like-button"
        aria-pressed={liked}
        aria-label="Like"
        disabled={!signedIn}
        title={signedIn ? undefined : 'Log in to like photos'}
        onClick={() => void toggle()}
      >
        <span aria-hidden="true">{liked ? '♥' : '♡'}</span>
      </button>
      <span className="like-count" data-testid="like-count">
        {count} {count === 1 ? 'like' : 'likes'}
      </span>
      <ErrorMessage error={error} />
    </div>
  );
}
