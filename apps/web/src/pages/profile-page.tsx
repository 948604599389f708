import { useState } from 'react';
import type { Profile } from '@graminsta/contracts';
import { Avatar } from '../components/avatar.tsx';
import { RichText } from '../components/caption.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { PhotoGrid } from '../components/photo-grid.tsx';
import { ProfileMenu } from '../components/profile-menu.tsx';
import { usePagedList } from '../lib/paged-list.ts';
import { Link } from '../lib/router.tsx';
import { useAsync } from '../lib/use-async.ts';
import { usePhotoUpdates } from '../session/photo-updates.ts';
import { useSession } from '../session/session.tsx';

export function FollowButton({ profile, onChange }: { profile: Profile; onChange(p: Profile): void }) {
  const { client } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // A pending request is withdrawn by the same click that would unfollow.
  const engaged = profile.followedByMe || profile.requestedByMe;
  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      const state = engaged
        ? await client.unfollow({ params: { username: profile.username } })
        : await client.follow({ params: { username: profile.username } });
      onChange({
        ...profile,
        followedByMe: state.following,
        requestedByMe: state.state === 'requested',
        followerCount: state.followerCount,
      });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        className={engaged ? 'button secondary' : 'button'}
        aria-pressed={engaged}
        disabled={busy}
        onClick={() => void toggle()}
      >
        {profile.followedByMe ? 'Following' : profile.requestedByMe ? 'Requested' : 'Follow'}
      </button>
      <ErrorMessage error={error} />
    </>
  );
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function ProfilePage({ username }: { username: string }) {
  const { client, me } = useSession();
  const profile = useAsync(
    (signal) => client.getProfile({ params: { username } }, { signal }),
    [client, username, me?.id],
  );
  const photos = usePagedList(
    (cursor, signal) => client.listUserPhotos({ params: { username }, query: { cursor } }, { signal }),
    [client, username, me?.id],
  );
  usePhotoUpdates((ready) => photos.update((items) => items.map((p) => (p.id === ready.id ? ready : p))));

  if (profile.error) {
    return (
      <section className="panel narrow">
        <title>Not found · Graminsta</title>
        <ErrorMessage error={profile.error} />
      </section>
    );
  }
  const p = profile.data;
  if (!p)
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  const own = me?.id === p.id;
  const base = `/u/${encodeURIComponent(p.username)}`;
  return (
    <section className="wide">
      <title>{`${p.displayName || p.username} (@${p.username}) · Graminsta`}</title>
      <header className="profile-header">
        <Avatar user={p} size={96} />
        <div className="profile-info">
          <div className="profile-title">
            <h1>{p.username}</h1>
            {own ? (
              <Link to="/account/edit" className="button secondary">
                Edit profile
              </Link>
            ) : (
              me && (
                <>
                  {!p.blockedByMe && <FollowButton profile={p} onChange={profile.setData} />}
                  <ProfileMenu profile={p} onChange={profile.setData} />
                </>
              )
            )}
          </div>
          <ul className="counts" aria-label="Counts">
            <li>{plural(p.photoCount, 'post', 'posts')}</li>
            <li>
              <Link to={`${base}/followers`}>{plural(p.followerCount, 'follower', 'followers')}</Link>
            </li>
            <li>
              <Link to={`${base}/following`}>{p.followingCount} following</Link>
            </li>
          </ul>
          {p.displayName && <p className="display-name">{p.displayName}</p>}
          {p.bio && (
            <p className="bio">
              <RichText text={p.bio} />
            </p>
          )}
        </div>
      </header>
      <h2 className="visually-hidden">Photos</h2>
      {p.private && !own && !p.followedByMe ? (
        <p className="empty">This account is private. Follow it to see its photos.</p>
      ) : (
        <PhotoGrid list={photos} empty={own ? 'Share your first photo with “New post”.' : 'No photos yet.'} />
      )}
    </section>
  );
}
