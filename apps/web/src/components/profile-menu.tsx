import { useEffect, useRef, useState } from 'react';
import type { Profile } from '@graminsta/contracts';
import { useSession } from '../session/session.tsx';
import { ErrorMessage } from './error-message.tsx';
import { ReportDialog } from './report-dialog.tsx';

/**
 * "More options" on someone else's profile: block or unblock (after a confirmation, since a block
 * ends follows both ways), mute or unmute, and report the account to the moderators.
 */
export function ProfileMenu({ profile, onChange }: { profile: Profile; onChange(p: Profile): void }) {
  const { client } = useSession();
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [reporting, setReporting] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const firstItem = useRef<HTMLButtonElement>(null);
  const params = { params: { username: profile.username } };

  useEffect(() => {
    if (open) firstItem.current?.focus();
  }, [open]);

  const run = async (action: () => Promise<Partial<Profile>>) => {
    setBusy(true);
    setError(null);
    try {
      onChange({ ...profile, ...(await action()) });
      setOpen(false);
      setConfirming(false);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const block = () =>
    run(async () => {
      await client.block(params);
      // The block ended any follow both ways: the profile's counts and buttons follow suit.
      return {
        blockedByMe: true,
        followedByMe: false,
        requestedByMe: false,
        followerCount: profile.followedByMe ? profile.followerCount - 1 : profile.followerCount,
      };
    });
  const unblock = () => run(async () => ({ blockedByMe: (await client.unblock(params)).blocked }));
  const toggleMute = () =>
    run(async () => ({
      mutedByMe: (profile.mutedByMe ? await client.unmute(params) : await client.mute(params)).muted,
    }));

  return (
    <div
      className="profile-menu"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          setOpen(false);
          setConfirming(false);
        }
      }}
    >
      <button
        type="button"
        className="button secondary"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={`More options for ${profile.username}`}
        onClick={() => setOpen(!open)}
      >
        ⋯
      </button>
      {open && (
        <ul role="menu" className="menu" aria-label={`Options for ${profile.username}`}>
          <li role="none">
            <button
              ref={firstItem}
              type="button"
              role="menuitem"
              disabled={busy}
              onClick={() => (profile.blockedByMe ? void unblock() : setConfirming(true))}
            >
              {profile.blockedByMe ? 'Unblock' : 'Block'}
            </button>
          </li>
          <li role="none">
            <button type="button" role="menuitem" disabled={busy} onClick={() => void toggleMute()}>
              {profile.mutedByMe ? 'Unmute' : 'Mute'}
            </button>
          </li>
          <li role="none">
            <button
              type="button"
              role="menuitem"
              className="danger"
              onClick={() => {
                setOpen(false);
                setReporting(true);
              }}
            >
              Report
            </button>
          </li>
        </ul>
      )}
      {confirming && (
        <div
          role="alertdialog"
          aria-labelledby="block-title"
          aria-describedby="block-text"
          className="confirm"
        >
          <p id="block-title">
            <strong>Block {profile.username}?</strong>
          </p>
          <p id="block-text">
            They will not find your profile or posts, and neither of you will follow the other any more.
          </p>
          <button type="button" className="button danger" disabled={busy} onClick={() => void block()}>
            Block
          </button>{' '}
          <button type="button" className="button secondary" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      )}
      {reporting && (
        <ReportDialog target={{ type: 'user', id: profile.id }} onClose={() => setReporting(false)} />
      )}
      <ErrorMessage error={error} />
    </div>
  );
}
