import { useId, useState } from 'react';
import type { Photo } from '@graminsta/contracts';
import { useSession } from '../session/session.tsx';
import { ReportDialog } from './report-dialog.tsx';
import './moderation.css';

/** A post's "More options": for now, reporting it (someone else's post, signed in). */
export function PostMenu({ photo }: { photo: Pick<Photo, 'id' | 'owner'> }) {
  const { me } = useSession();
  const [open, setOpen] = useState(false);
  const [reporting, setReporting] = useState(false);
  const id = useId();
  if (!me || me.id === photo.owner.id) return null;
  return (
    <div className="post-menu">
      <button
        type="button"
        className="link-button post-menu-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={`${id}-menu`}
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
      {reporting && (
        <ReportDialog target={{ type: 'photo', id: photo.id }} onClose={() => setReporting(false)} />
      )}
    </div>
  );
}
