import { useId, useState, type FormEvent } from 'react';
import type { Comment } from '@graminsta/contracts';
import { usePagedList } from '../lib/paged-list.ts';
import { Link } from '../lib/router.tsx';
import { timeAgo } from '../lib/time.ts';
import { useSession } from '../session/session.tsx';
import { RichText } from './caption.tsx';
import { ErrorMessage } from './error-message.tsx';
import { LoadMore } from './load-more.tsx';
import { ReportDialog } from './report-dialog.tsx';

/** Comments of a photo, oldest first; add your own, delete your own. */
export function Comments({
  photoId,
  onCountChange,
}: {
  photoId: string;
  onCountChange(delta: number): void;
}) {
  const { client, me } = useSession();
  const list = usePagedList(
    (cursor, signal) => client.listComments({ params: { id: photoId }, query: { cursor } }, { signal }),
    [client, photoId],
  );
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [reporting, setReporting] = useState<string | null>(null);
  const id = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!body.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const comment = await client.addComment({ params: { id: photoId }, body: { body } });
      list.update((items) => [...items, comment]);
      onCountChange(1);
      setBody('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (comment: Comment) => {
    setError(null);
    try {
      await client.deleteComment({ params: { id: comment.id } });
      list.update((items) => items.filter((c) => c.id !== comment.id));
      onCountChange(-1);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section className="comments" id="comments" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`} className="visually-hidden">
        Comments
      </h2>
      <ul className="comment-list">
        {list.items.map((c) => (
          <li key={c.id} className="comment">
            <p>
              <Link to={`/u/${encodeURIComponent(c.author.username)}`} className="username">
                {c.author.username}
              </Link>{' '}
              <span className="comment-body">
                <RichText text={c.body} />
              </span>
            </p>
            <p className="muted small">
              <time dateTime={c.createdAt}>{timeAgo(c.createdAt)}</time>
              {me?.id === c.author.id && (
                <>
                  {' · '}
                  <button type="button" className="link-button small" onClick={() => void remove(c)}>
                    Delete<span className="visually-hidden"> your comment</span>
                  </button>
                </>
              )}
              {me && me.id !== c.author.id && (
                <>
                  {' · '}
                  <button type="button" className="link-button small" onClick={() => setReporting(c.id)}>
                    Report<span className="visually-hidden"> the comment by {c.author.username}</span>
                  </button>
                </>
              )}
            </p>
            {reporting === c.id && (
              <ReportDialog target={{ type: 'comment', id: c.id }} onClose={() => setReporting(null)} />
            )}
          </li>
        ))}
      </ul>
      <LoadMore {...list} onLoadMore={list.loadMore} noun="more comments" />
      <ErrorMessage error={error} />
      {me ? (
        <form className="comment-form" onSubmit={(e) => void submit(e)}>
          <label htmlFor={`${id}-body`} className="visually-hidden">
            Add a comment
          </label>
          <input
            id={`${id}-body`}
            value={body}
            maxLength={1000}
            placeholder="Add a comment…"
            onChange={(e) => setBody(e.target.value)}
          />
          <button type="submit" className="button" disabled={busy || !body.trim()}>
            Post
          </button>
        </form>
      ) : (
        <p className="muted">
          <Link to={`/login?next=${encodeURIComponent(`/p/${photoId}`)}`}>Log in</Link> to comment.
        </p>
      )}
    </section>
  );
}
