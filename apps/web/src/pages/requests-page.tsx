import { useState } from 'react';
import type { UserSummary } from '@graminsta/contracts';
import { Avatar } from '../components/avatar.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { LoadMore } from '../components/load-more.tsx';
import { usePagedList } from '../lib/paged-list.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../session/session.tsx';

/** Who asked to follow your account: accept (they follow you and are told) or decline (quietly). */
export function RequestsPage() {
  const { client } = useSession();
  const list = usePagedList(
    (cursor, signal) => client.listFollowRequests({ query: { cursor } }, { signal }),
    [client],
  );
  return (
    <section className="panel narrow">
      <title>Follow requests · Graminsta</title>
      <h1>Follow requests</h1>
      {list.items.length === 0 && !list.hasMore && !list.error && (
        <p className="empty">No pending requests.</p>
      )}
      <ul className="user-list" aria-label="Follow requests">
        {list.items.map((user) => (
          <RequestRow
            key={user.id}
            user={user}
            onDone={() => list.update((items) => items.filter((u) => u.id !== user.id))}
          />
        ))}
      </ul>
      <LoadMore {...list} onLoadMore={list.loadMore} noun="more requests" />
    </section>
  );
}

function RequestRow({ user, onDone }: { user: UserSummary; onDone(): void }) {
  const { client } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const decide = async (accept: boolean) => {
    setBusy(true);
    setError(null);
    const params = { params: { username: user.username } };
    try {
      await (accept ? client.acceptFollowRequest(params) : client.declineFollowRequest(params));
      onDone();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <li className="request-row">
      <Link to={`/u/${encodeURIComponent(user.username)}`} className="user-row">
        <Avatar user={user} size={44} />
        <span>
          <span className="username">{user.username}</span>
          {user.displayName && <span className="muted block">{user.displayName}</span>}
        </span>
      </Link>
      <span className="request-actions">
        <button
          type="button"
          className="button"
          disabled={busy}
          aria-label={`Accept ${user.username}`}
          onClick={() => void decide(true)}
        >
          Accept
        </button>{' '}
        <button
          type="button"
          className="button secondary"
          disabled={busy}
          aria-label={`Decline ${user.username}`}
          onClick={() => void decide(false)}
        >
          Decline
        </button>
      </span>
      <ErrorMessage error={error} />
    </li>
  );
}
