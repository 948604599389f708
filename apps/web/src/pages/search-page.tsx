import { useEffect, useId, useState } from 'react';
import { UserList } from '../components/user-list.tsx';
import { usePagedList } from '../lib/paged-list.ts';
import { useRouter, useSearchParam } from '../lib/router.tsx';
import { useSession } from '../session/session.tsx';

/** Accounts by username prefix, searched as you type (after a short pause). */
export function SearchPage() {
  const { client } = useSession();
  const { navigate } = useRouter();
  const initial = useSearchParam('q') ?? '';
  const [text, setText] = useState(initial);
  const [query, setQuery] = useState(initial.trim());
  const id = useId();

  useEffect(() => {
    const timer = setTimeout(() => {
      const q = text.trim();
      setQuery(q);
      navigate(q ? `/search?q=${encodeURIComponent(q)}` : '/search', { replace: true });
    }, 250);
    return () => clearTimeout(timer);
  }, [text, navigate]);

  const list = usePagedList(
    (cursor, signal) =>
      query
        ? client.searchUsers({ query: { q: query, cursor } }, { signal })
        : Promise.resolve({ items: [], nextCursor: null }),
    [client, query],
  );

  return (
    <section className="panel narrow">
      <title>Search · Graminsta</title>
      <h1>Search</h1>
      <form role="search" onSubmit={(e) => e.preventDefault()} className="form">
        <label htmlFor={`${id}-q`}>Search people by username</label>
        <input
          id={`${id}-q`}
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoCapitalize="none"
          spellCheck={false}
          maxLength={30}
          placeholder="username"
        />
      </form>
      {query && <UserList list={list} empty={`No one found for “${query}”.`} label="Search results" />}
    </section>
  );
}
