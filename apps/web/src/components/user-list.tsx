import type { UserSummary } from '@graminsta/contracts';
import type { PagedList } from '../lib/paged-list.ts';
import { Link } from '../lib/router.tsx';
import { Avatar } from './avatar.tsx';
import { LoadMore } from './load-more.tsx';

export function UserList({
  list,
  empty,
  label,
}: {
  list: PagedList<UserSummary>;
  empty: string;
  label: string;
}) {
  return (
    <>
      {list.items.length === 0 && !list.hasMore && !list.error && <p className="empty">{empty}</p>}
      <ul className="user-list" aria-label={label}>
        {list.items.map((user) => (
          <li key={user.id}>
            <Link to={`/u/${encodeURIComponent(user.username)}`} className="user-row">
              <Avatar user={user} size={44} />
              <span>
                <span className="username">{user.username}</span>
                {user.displayName && <span className="muted block">{user.displayName}</span>}
              </span>
            </Link>
          </li>
        ))}
      </ul>
      <LoadMore {...list} onLoadMore={list.loadMore} noun="more people" />
    </>
  );
}
