import { timeAgo } from '../lib/time.ts';

/** "Edited", on a post whose owner changed its caption, alt texts or order. */
export function EditedMarker({ editedAt }: { editedAt: string | null }) {
  if (!editedAt) return null;
  return (
    <p className="edited-marker muted small" data-testid="edited-marker">
      Edited <time dateTime={editedAt}>{timeAgo(editedAt)}</time>
    </p>
  );
}
