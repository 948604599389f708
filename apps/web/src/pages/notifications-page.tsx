import { useEffect } from 'react';
import type { Notification } from '@graminsta/contracts';
import { Avatar } from '../components/avatar.tsx';
import { LoadMore } from '../components/load-more.tsx';
import { exportHref } from '../lib/export-link.ts';
import { usePagedList } from '../lib/paged-list.ts';
import { Link } from '../lib/router.tsx';
import { timeAgo } from '../lib/time.ts';
import { useRealtime, useRealtimeEvents } from '../session/realtime.tsx';
import { useSession } from '../session/session.tsx';

function describe(n: Notification): string {
  switch (n.type) {
    case 'follow':
      return 'started following you.';
    case 'like':
      return 'liked your photo.';
    case 'comment':
      return 'commented:';
    case 'mention':
      return n.comment ? 'mentioned you in a comment:' : 'mentioned you in a post.';
    case 'follow_request':
      return 'asked to follow you.';
    case 'follow_accept':
      return 'accepted your follow request.';
    case 'report_resolved':
      return n.report?.status === 'dismissed'
        ? 'reviewed your report and found no rule broken.'
        : 'acted on your report: the content is gone.';
    case 'export_ready':
      return 'Your account export is ready to download.';
  }
}

/** Names the thumbnail's link by what happened, so a list of them is not 25 links called "photo". */
const photoLinkName = (n: Notification) =>
  `Open the photo: ${n.actor.username} ${describe(n).replace(/[.:]$/, '')}`;

/** Likes, comments and follows on your things; new ones appear live, and visiting marks them read. */
export function NotificationsPage() {
  const { client } = useSession();
  const { setUnreadCount } = useRealtime();
  const list = usePagedList(
    (cursor, signal) => client.notifications({ query: { cursor } }, { signal }),
    [client],
  );

  useRealtimeEvents((event) => {
    if (event.type !== 'notification') return;
    const n = event.data;
    list.update((items) => [n, ...items.filter((i) => i.id !== n.id)]);
  });

  // Seen on this page is read: the badge clears, and a live one arriving here clears too.
  const newest = list.items[0]?.id;
  useEffect(() => {
    if (!newest) return;
    client.markNotificationsRead({ body: { upTo: newest } }).then(
      (r) => setUnreadCount(r.unreadCount),
      () => undefined,
    );
  }, [client, newest, setUnreadCount]);

  return (
    <section className="panel narrow">
      <title>Notifications · Graminsta</title>
      <h1>Notifications</h1>
      {list.items.length === 0 && !list.hasMore && !list.error && <p className="empty">Nothing yet.</p>}
      <ul className="notification-list" aria-label="Notifications">
        {list.items.map((n) => (
          <li key={n.id} className={n.read ? 'notification' : 'notification unread'}>
            {/* The same place as the name beside it: one stop for the keyboard, one for a screen reader. */}
            <Link
              to={`/u/${encodeURIComponent(n.actor.username)}`}
              className="notification-actor"
              tabIndex={-1}
              aria-hidden="true"
            >
              <Avatar user={n.actor} size={40} />
            </Link>
            <p>
              <Link to={`/u/${encodeURIComponent(n.actor.username)}`} className="username">
                {n.actor.username}
              </Link>{' '}
              {describe(n)} {n.comment && <span className="comment-body">{n.comment.body}</span>}{' '}
              {n.type === 'follow_request' && <Link to="/requests">Review follow requests</Link>}{' '}
              {n.export && <a href={exportHref(n.export.url)}>Download your data</a>}{' '}
              <time className="muted small" dateTime={n.createdAt}>
                {timeAgo(n.createdAt)}
              </time>
            </p>
            {n.photo && (
              <Link to={`/p/${n.photo.id}`} className="notification-photo" aria-label={photoLinkName(n)}>
                {n.photo.thumbUrl ? <img src={n.photo.thumbUrl} alt="" width={44} height={44} /> : <span />}
              </Link>
            )}
          </li>
        ))}
      </ul>
      <LoadMore {...list} onLoadMore={list.loadMore} noun="older notifications" />
    </section>
  );
}
