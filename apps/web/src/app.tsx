import { lazy, Suspense, type ReactNode } from 'react';
import type { WebSocketConstructor } from '@graminsta/sdk';
import type { GraminstaClient } from '@graminsta/sdk';
import type { Me } from '@graminsta/contracts';
import { Nav } from './components/nav.tsx';
import { RequireAuth } from './components/require-auth.tsx';
import { matchPath, RouterProvider, useRouter } from './lib/router.tsx';
import { AuthPage } from './pages/auth-page.tsx';
import { EditProfilePage } from './pages/edit-profile-page.tsx';
import { FeedPage } from './pages/feed-page.tsx';
import { FollowListPage } from './pages/follow-list-page.tsx';
import { ExplorePage, TagPage } from './pages/grid-pages.tsx';
import { ModerationPage } from './pages/moderation-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { NotificationsPage } from './pages/notifications-page.tsx';
import { PhotoPage } from './pages/photo-page.tsx';
import { ProfilePage } from './pages/profile-page.tsx';
import { ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from './pages/recovery-pages.tsx';
import { SavedPage } from './pages/saved-page.tsx';
import { SearchPage } from './pages/search-page.tsx';
import { SettingsPage } from './pages/settings-page.tsx';
import { RequestsPage } from './pages/requests-page.tsx';
import { RealtimeProvider } from './session/realtime.tsx';
import { SessionProvider, useSession } from './session/session.tsx';

// The composer carries the drag-and-drop sorter (dnd-kit, ~17 kB gzipped): loaded when first opened,
// so the feed does not pay for it.
const UploadPage = lazy(() => import('./pages/upload-page.tsx').then((m) => ({ default: m.UploadPage })));
// The operations page carries uPlot (~20 kB gzipped) and is for operators only: its own chunk.
const OpsPage = lazy(() => import('./pages/ops-page.tsx').then((m) => ({ default: m.OpsPage })));

function Loading() {
  return (
    <p className="muted" role="status">
      Loading…
    </p>
  );
}

type Route = [pattern: string, render: (params: Record<string, string>) => ReactNode];

function HomePage() {
  const { me } = useSession();
  if (me === undefined)
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  return me ? <FeedPage /> : <ExplorePage />;
}

function Settings() {
  const { me } = useSession();
  return <RequireAuth what="change your settings">{me && <SettingsPage me={me} />}</RequireAuth>;
}

function EditProfile() {
  const { me } = useSession();
  return <RequireAuth what="edit your profile">{me && <EditProfilePage me={me} />}</RequireAuth>;
}

const ROUTES: Route[] = [
  ['/', () => <HomePage />],
  ['/explore', () => <ExplorePage />],
  ['/search', () => <SearchPage />],
  ['/login', () => <AuthPage mode="login" />],
  ['/signup', () => <AuthPage mode="signup" />],
  ['/tags/:tag', ({ tag }) => <TagPage key={tag} tag={tag!} />],
  ['/u/:username', ({ username }) => <ProfilePage key={username} username={username!} />],
  ['/u/:username/followers', ({ username }) => <FollowListPage username={username!} which="followers" />],
  ['/u/:username/following', ({ username }) => <FollowListPage username={username!} which="following" />],
  ['/p/:id', ({ id }) => <PhotoPage key={id} id={id!} />],
  ['/account/edit', () => <EditProfile />],
  ['/settings', () => <Settings />],
  ['/forgot-password', () => <ForgotPasswordPage />],
  ['/reset-password/:token', ({ token }) => <ResetPasswordPage key={token} token={token!} />],
  ['/verify-email/:token', ({ token }) => <VerifyEmailPage key={token} token={token!} />],
  [
    '/upload',
    () => (
      <RequireAuth what="post a photo">
        <Suspense fallback={<Loading />}>
          <UploadPage />
        </Suspense>
      </RequireAuth>
    ),
  ],
  [
    '/saved',
    () => (
      <RequireAuth what="see your saved posts">
        <SavedPage />
      </RequireAuth>
    ),
  ],
  [
    '/moderation',
    () => (
      <RequireAuth what="moderate reports">
        <ModerationPage />
      </RequireAuth>
    ),
  ],
  [
    '/ops',
    () => (
      <RequireAuth what="see the operations page">
        <Suspense fallback={<Loading />}>
          <OpsPage />
        </Suspense>
      </RequireAuth>
    ),
  ],
  [
    '/notifications',
    () => (
      <RequireAuth what="see your notifications">
        <NotificationsPage />
      </RequireAuth>
    ),
  ],
  [
    '/requests',
    () => (
      <RequireAuth what="see your follow requests">
        <RequestsPage />
      </RequireAuth>
    ),
  ],
];

export function Routes() {
  const { location } = useRouter();
  for (const [pattern, render] of ROUTES) {
    const params = matchPath(pattern, location.pathname);
    if (params) return render(params);
  }
  return <NotFoundPage />;
}

export interface AppProps {
  /** Tests pass their own client, signed-in user and socket. */
  client?: GraminstaClient;
  initialMe?: Me | null;
  WebSocket?: WebSocketConstructor;
}

export function App(props: AppProps) {
  return (
    <RouterProvider>
      <SessionProvider client={props.client} initialMe={props.initialMe}>
        <RealtimeProvider WebSocket={props.WebSocket}>
          <a href="#main" className="skip-link">
            Skip to content
          </a>
          <Nav />
          <main id="main" tabIndex={-1}>
            <Routes />
          </main>
        </RealtimeProvider>
      </SessionProvider>
    </RouterProvider>
  );
}
