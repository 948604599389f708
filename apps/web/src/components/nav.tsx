import { Link, useRouter } from '../lib/router.tsx';
import { useRealtime } from '../session/realtime.tsx';
import { useSession } from '../session/session.tsx';

export function NotificationBadge() {
  const { unreadCount } = useRealtime();
  if (unreadCount === 0) return null;
  return (
    <span className="badge" data-testid="notification-badge" aria-label={`${unreadCount} unread`}>
      {unreadCount > 99 ? '99+' : unreadCount}
    </span>
  );
}

/** The top bar: brand, the main places, and the account. Wraps onto two rows on a phone. */
export function Nav() {
  const { me, logOut } = useSession();
  const { location, navigate } = useRouter();
  const here = (path: string) => (location.pathname === path ? 'page' : undefined);

  return (
    <header className="topbar">
      <nav className="topbar-inner" aria-label="Main">
        <Link to="/" className="brand">
          Graminsta
        </Link>
        <ul className="nav-links">
          {me && (
            <li>
              <Link to="/" aria-current={here('/')}>
                Home
              </Link>
            </li>
          )}
          <li>
            <Link to="/explore" aria-current={here('/explore')}>
              Explore
            </Link>
          </li>
          <li>
            <Link to="/search" aria-current={here('/search')}>
              Search
            </Link>
          </li>
          {me ? (
            <>
              <li>
                <Link to="/upload" aria-current={here('/upload')}>
                  New post
                </Link>
              </li>
              <li>
                <Link to="/notifications" aria-current={here('/notifications')} className="with-badge">
                  Notifications
                  <NotificationBadge />
                </Link>
              </li>
              <li>
                <Link to={`/u/${encodeURIComponent(me.username)}`} aria-current={here(`/u/${me.username}`)}>
                  Profile
                </Link>
              </li>
              <li>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => void logOut().then(() => navigate('/login'))}
                >
                  Log out
                </button>
              </li>
            </>
          ) : (
            me === null && (
              <>
                <li>
                  <Link to="/login" aria-current={here('/login')}>
                    Log in
                  </Link>
                </li>
                <li>
                  <Link to="/signup" aria-current={here('/signup')}>
                    Sign up
                  </Link>
                </li>
              </>
            )
          )}
        </ul>
      </nav>
    </header>
  );
}
