import { useId, useState } from 'react';
import type { Photo } from '@graminsta/contracts';
import { mediaAsPhoto } from '../lib/media.ts';
import { useClient } from '../session/session.tsx';
import { ErrorMessage } from './error-message.tsx';
import { MediaSorter } from './media-sorter.tsx';
import { PhotoThumb } from './photo-image.tsx';

interface Props {
  photo: Photo;
  onSaved(photo: Photo): void;
  onCancel(): void;
}

/** The owner's edit of a post: caption, each photo's alt text, and the order of the photos. */
export function EditPostForm({ photo, onSaved, onCancel }: Props) {
  const client = useClient();
  const id = useId();
  const [caption, setCaption] = useState(photo.caption);
  const [items, setItems] = useState(photo.media);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const setAlt = (itemId: string, altText: string) =>
    setItems((all) => all.map((m) => (m.id === itemId ? { ...m, altText } : m)));

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const edited = await client.editPhoto({
        params: { id: photo.id },
        body: { caption, media: items.map((m) => ({ id: m.id, altText: m.altText })) },
      });
      onSaved(edited);
    } catch (err) {
      setError(err);
      setSaving(false);
    }
  };

  return (
    <form
      className="form edit-post"
      aria-label="Edit post"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <ErrorMessage error={error} />
      <label htmlFor={`${id}-caption`}>Caption</label>
      <textarea
        id={`${id}-caption`}
        value={caption}
        maxLength={2200}
        rows={3}
        disabled={saving}
        onChange={(e) => setCaption(e.target.value)}
      />
      <MediaSorter
        items={items}
        onReorder={setItems}
        label="Photos of this post"
        disabled={saving}
        renderItem={(item, index) => (
          <div className="media-item">
            <PhotoThumb photo={mediaAsPhoto(photo, item)} />
            <div className="media-item-fields">
              <label htmlFor={`${id}-alt-${item.id}`}>{`Alt text for photo ${index + 1}`}</label>
              <input
                id={`${id}-alt-${item.id}`}
                value={item.altText}
                maxLength={1000}
                disabled={saving}
                onChange={(e) => setAlt(item.id, e.target.value)}
              />
            </div>
          </div>
        )}
      />
      <div className="form-actions">
        <button type="submit" className="button" disabled={saving}>
          {saving ? 'Saving…' : 'Save changes'}
        </button>
        <button type="button" className="button secondary" disabled={saving} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
