import { UserList } from '../components/user-list.tsx';
import { usePagedList } from '../lib/paged-list.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../session/session.tsx';

export function FollowListPage({ username, which }: { username: string; which: 'followers' | 'following' }) {
  const { client } = useSession();
  const list = usePagedList(
    (cursor, signal) =>
      which === 'followers'
        ? client.listFollowers({ params: { username }, query: { cursor } }, { signal })
        : client.listFollowing({ params: { username }, query: { cursor } }, { signal }),
    [client, username, which],
  );
  const title = which === 'followers' ? `People following ${username}` : `People ${username} follows`;
  return (
    <section className="panel narrow">
      <title>{`${title} · Graminsta`}</title>
      <p>
        <Link to={`/u/${encodeURIComponent(username)}`}>← {username}</Link>
      </p>
      <h1>{title}</h1>
      <UserList list={list} empty="Nobody yet." label={title} />
    </section>
  );
}
