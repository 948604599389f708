import { useRef, useState } from 'react';
import type { Photo } from '@graminsta/contracts';
import { useClient } from '../session/session.tsx';
import { ErrorMessage } from './error-message.tsx';

/**
 * Save (bookmark) a post: shown at once, confirmed by the API, put back when it refuses.
 * Saves are private, so there is no count to show.
 */
export function SaveButton({
  photo,
  signedIn,
  onChange,
}: {
  photo: Pick<Photo, 'id' | 'savedByMe'>;
  signedIn: boolean;
  onChange?(saved: boolean): void;
}) {
  const client = useClient();
  const [saved, setSaved] = useState(photo.savedByMe);
  const [error, setError] = useState<Error | null>(null);
  const pending = useRef(false);

  const toggle = async () => {
    // One request at a time, so a late answer cannot overwrite a newer click.
    if (pending.current) return;
    pending.current = true;
    const want = !saved;
    setSaved(want);
    setError(null);
    try {
      const state = want
        ? await client.save({ params: { id: photo.id } })
        : await client.unsave({ params: { id: photo.id } });
      setSaved(state.saved);
      onChange?.(state.saved);
    } catch (err) {
      setSaved(!want);
      setError(err instanceof Error ? err : new Error('could not save the post'));
    } finally {
      pending.current = false;
    }
  };

  return (
    <div className="save">
      <button
        type="button"
        className={`icon-button save-button${saved ? ' saved' : ''}`}
        data-testid="save-button"
        aria-pressed={saved}
        aria-label="Save"
        disabled={!signedIn}
        title={signedIn ? undefined : 'Log in to save posts'}
        onClick={() => void toggle()}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false" className="save-icon">
          <path d="M6 3h12v18l-6-5-6 5Z" />
        </svg>
      </button>
      <ErrorMessage error={error} />
    </div>
  );
}
