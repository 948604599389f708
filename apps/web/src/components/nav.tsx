import { useSyncExternalStore, type ReactNode } from 'react';
import { useInstallPrompt } from '../lib/install-prompt.ts';
import { Link, useRouter } from '../lib/router.tsx';
import { THEME_CHOICES, useThemeChoice, type ThemeChoice } from '../lib/theme.ts';
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

/** Outline icons on a 24-unit grid, drawn with the text colour; decorative (the label names the place). */
const ICONS = {
  home: 'M3 11 12 3l9 8M5.5 9v11h5v-6h3v6h5V9',
  explore: 'M12 3a9 9 0 1 0 0 18 9 9 0 1 0 0-18ZM15.5 8.5l-2 5-5 2 2-5Z',
  search: 'M10.5 4a6.5 6.5 0 1 0 0 13 6.5 6.5 0 1 0 0-13ZM15.2 15.2 20 20',
  post: 'M4 4h16v16H4ZM12 8v8M8 12h8',
  activity: 'M12 20s-7.5-4.6-7.5-10A4.3 4.3 0 0 1 12 7.3 4.3 4.3 0 0 1 19.5 10c0 5.4-7.5 10-7.5 10Z',
  saved: 'M6 3h12v18l-6-5-6 5Z',
  profile: 'M12 4a4 4 0 1 0 0 8 4 4 0 1 0 0-8ZM4 20c1-4 4.2-6 8-6s7 2 8 6',
} as const;

function Icon({ name }: { name: keyof typeof ICONS }) {
  return (
    <svg className="nav-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={ICONS[name]} />
    </svg>
  );
}

function Place(props: {
  to: string;
  icon: keyof typeof ICONS;
  label: string;
  current: boolean;
  children?: ReactNode;
}) {
  return (
    <li>
      <Link to={props.to} aria-current={props.current ? 'page' : undefined} className="nav-place">
        <Icon name={props.icon} />
        <span className="nav-label">{props.label}</span>
        {props.children}
      </Link>
    </li>
  );
}

const THEME_NAMES: Record<ThemeChoice, string> = { system: 'Auto', light: 'Light', dark: 'Dark' };

/** System, light or dark: the choice is kept on this device (src/lib/theme.ts). */
export function ThemeSwitch() {
  const [choice, setChoice] = useThemeChoice();
  return (
    <label className="theme-switch">
      <span className="visually-hidden">Theme</span>
      <select value={choice} onChange={(e) => setChoice(e.currentTarget.value as ThemeChoice)}>
        {THEME_CHOICES.map((c) => (
          <option key={c} value={c}>
            {THEME_NAMES[c]}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Shown only while the browser offers to install the app (Chromium's beforeinstallprompt). */
export function InstallButton() {
  const { canInstall, install } = useInstallPrompt();
  if (!canInstall) return null;
  return (
    <button type="button" className="link-button install-button" onClick={() => void install()}>
      Install app
    </button>
  );
}

const subscribeOnline = (listener: () => void) => {
  window.addEventListener('online', listener);
  window.addEventListener('offline', listener);
  return () => {
    window.removeEventListener('online', listener);
    window.removeEventListener('offline', listener);
  };
};

/** Says so while the device is offline: the app still opens, but nothing new can load. */
export function OfflineNotice() {
  const online = useSyncExternalStore(
    subscribeOnline,
    () => navigator.onLine,
    () => true,
  );
  if (online) return null;
  return (
    <p className="offline-notice" role="status">
      You are offline. New posts, likes and comments wait for the network.
    </p>
  );
}

/**
 * The top bar: brand, the main places, and the account. On a phone the places move to a tab
 * bar along the bottom of the screen, within reach of a thumb, and the top bar keeps one row.
 */
export function Nav() {
  const { me, logOut } = useSession();
  const { location, navigate } = useRouter();
  const here = (path: string) => location.pathname === path;
  const profilePath = me ? `/u/${encodeURIComponent(me.username)}` : '';

  return (
    <header className="topbar">
      <nav className="topbar-inner" aria-label="Main">
        <Link to="/" className="brand">
          Graminsta
        </Link>
        <ul className="nav-links">
          {me && <Place to="/" icon="home" current={here('/')} label="Home" />}
          <Place to="/explore" icon="explore" current={here('/explore')} label="Explore" />
          <Place to="/search" icon="search" current={here('/search')} label="Search" />
          {me && (
            <>
              <Place to="/upload" icon="post" current={here('/upload')} label="New post" />
              <Place
                to="/notifications"
                icon="activity"
                current={here('/notifications')}
                label="Notifications"
              >
                <NotificationBadge />
              </Place>
              <Place to="/saved" icon="saved" current={here('/saved')} label="Saved" />
              <Place to={profilePath} icon="profile" current={here(profilePath)} label="Profile" />
            </>
          )}
        </ul>
        <div className="nav-account">
          <InstallButton />
          <ThemeSwitch />
          {me && (
            <Link to="/settings" aria-current={here('/settings') ? 'page' : undefined}>
              Settings
            </Link>
          )}
          {me?.role === 'moderator' && (
            <Link to="/moderation" aria-current={here('/moderation') ? 'page' : undefined}>
              Moderation
            </Link>
          )}
          {me?.role === 'moderator' && (
            <Link to="/ops" aria-current={here('/ops') ? 'page' : undefined}>
              Operations
            </Link>
          )}
          {me ? (
            <button
              type="button"
              className="link-button"
              onClick={() => void logOut().then(() => navigate('/login'))}
            >
              Log out
            </button>
          ) : (
            me === null && (
              <>
                <Link to="/login" aria-current={here('/login') ? 'page' : undefined}>
                  Log in
                </Link>
                <Link to="/signup" aria-current={here('/signup') ? 'page' : undefined}>
                  Sign up
                </Link>
              </>
            )
          )}
        </div>
      </nav>
      <OfflineNotice />
    </header>
  );
}
