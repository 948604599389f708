import { useId, useState, type FormEvent } from 'react';
import type { Me, PatchMeBody } from '@graminsta/contracts';
import { Avatar } from '../components/avatar.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { LoadMore } from '../components/load-more.tsx';
import { PhotoThumb } from '../components/photo-image.tsx';
import { usePagedList } from '../lib/paged-list.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../session/session.tsx';

/** Display name, bio, and an avatar chosen from your own ready photos. */
export function EditProfilePage({ me }: { me: Me }) {
  const { client, setMe } = useSession();
  const id = useId();
  const [displayName, setDisplayName] = useState(me.displayName);
  const [bio, setBio] = useState(me.bio);
  // undefined: keep the current avatar; null: remove it; an id: use that photo.
  const [avatar, setAvatar] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const photos = usePagedList(
    async (cursor, signal) => {
      const page = await client.listUserPhotos(
        { params: { username: me.username }, query: { cursor, limit: 30 } },
        { signal },
      );
      return { ...page, items: page.items.filter((p) => p.status === 'ready') };
    },
    [client, me.username],
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const patch: PatchMeBody = { displayName: displayName.trim(), bio };
    if (avatar !== undefined) patch.avatarPhotoId = avatar;
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      setMe(await client.updateMe({ body: patch }));
      setAvatar(undefined);
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel">
      <title>Edit profile · Graminsta</title>
      <h1>Edit profile</h1>
      <form className="form" onSubmit={(e) => void submit(e)} aria-label="Edit profile">
        <ErrorMessage error={error} />
        <label htmlFor={`${id}-name`}>Display name</label>
        <input
          id={`${id}-name`}
          value={displayName}
          maxLength={60}
          autoComplete="name"
          onChange={(e) => setDisplayName(e.target.value)}
        />
        <label htmlFor={`${id}-bio`}>Bio</label>
        <textarea
          id={`${id}-bio`}
          value={bio}
          maxLength={300}
          rows={4}
          onChange={(e) => setBio(e.target.value)}
        />
        <p className="hint">{300 - bio.length} characters left</p>

        <fieldset className="avatar-picker">
          <legend>Avatar</legend>
          <div className="user-chip">
            <Avatar user={me} size={56} />
            <span className="muted">{me.avatarUrl ? 'Your current avatar' : 'No avatar yet'}</span>
          </div>
          <p className="hint">Choose one of your photos.</p>
          <label className="avatar-option">
            <input type="radio" name="avatar" checked={avatar === null} onChange={() => setAvatar(null)} />
            <span>No avatar</span>
          </label>
          <ul className="grid small-grid">
            {photos.items.map((photo) => (
              <li key={photo.id}>
                <label className="avatar-option">
                  <input
                    type="radio"
                    name="avatar"
                    value={photo.id}
                    checked={avatar === photo.id}
                    onChange={() => setAvatar(photo.id)}
                    aria-label={`Use as avatar: ${photo.altText || photo.caption || `photo ${photo.id}`}`}
                  />
                  <PhotoThumb photo={photo} />
                </label>
              </li>
            ))}
          </ul>
          <LoadMore {...photos} onLoadMore={photos.loadMore} noun="more photos" />
        </fieldset>

        <div className="form-actions">
          <button type="submit" className="button" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
          <Link to={`/u/${encodeURIComponent(me.username)}`}>View profile</Link>
          {saved && (
            <span role="status" className="muted">
              Saved.
            </span>
          )}
        </div>
      </form>
    </section>
  );
}
