import type { ReactNode } from 'react';
import { Link, useRouter } from '../lib/router.tsx';
import { useSession } from '../session/session.tsx';

/** Shows its children to signed-in users, a way to log in to everyone else. */
export function RequireAuth({ what, children }: { what: string; children: ReactNode }) {
  const { me } = useSession();
  const { location } = useRouter();
  if (me === undefined)
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  if (me === null) {
    const next = encodeURIComponent(location.pathname + location.search);
    return (
      <section className="panel narrow">
        <h1>Log in to {what}</h1>
        <p>
          <Link to={`/login?next=${next}`}>Log in</Link> or{' '}
          <Link to={`/signup?next=${next}`}>create an account</Link>.
        </p>
      </section>
    );
  }
  return children;
}
