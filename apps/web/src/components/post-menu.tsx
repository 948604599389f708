import { useId, useState } from 'react';
import type { Photo, ReportTargetType } from '@graminsta/contracts';
import { useSession } from '../session/session.tsx';
import { ReportDialog } from './report-dialog.tsx';
import './moderation.css';

/**
 * "More options" on something another account owns (signed in): for now, reporting it. A menu
 * rather than a bare button, so further items (block, mute) join it.
 */
export function OptionsMenu(props: { target: { type: ReportTargetType; id: string }; ownerId: string }) {
  const { me } = useSession();
  const [open, setOpen] = useState(false);
  const [reporting, setReporting] = useState(false);
  const id = useId();
  if (!me || me.id === props.ownerId) return null;
  return (
    <div className="post-menu">
      <button
        type="button"
        className="link-button post-menu-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? `${id}-menu` : undefined}
        onClick={() => setOpen(!open)}
      >
        <span aria-hidden="true">⋯</span>
        <span className="visually-hidden">More options</span>
      </button>
      {open && (
        <ul role="menu" id={`${id}-menu`} className="post-menu-list">
          <li role="none">
            <button
              type="button"
              role="menuitem"
              className="link-button danger"
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
      {reporting && <ReportDialog target={props.target} onClose={() => setReporting(false)} />}
    </div>
  );
}

/** A post's "More options". */
export function PostMenu({ photo }: { photo: Pick<Photo, 'id' | 'owner'> }) {
  return <OptionsMenu target={{ type: 'photo', id: photo.id }} ownerId={photo.owner.id} />;
}
