import { useRef, type DragEvent } from 'react';
import { MAX_MEDIA_PER_POST } from '@graminsta/contracts';
import { ErrorMessage } from '../components/error-message.tsx';
import { MediaSorter } from '../components/media-sorter.tsx';
import { altTextReminder } from '../lib/media.ts';

/** One chosen file on its way to becoming a photo of the post. */
export interface ComposerItem {
  id: string;
  file: File;
  preview: string;
  altText: string;
  /** 0…1 while its bytes are on their way, null before. */
  progress: number | null;
}

interface Props {
  id: string;
  items: readonly ComposerItem[];
  caption: string;
  dragging: boolean;
  error: unknown;
  accept: string;
  /** Sending bytes or creating the post: nothing can change meanwhile. */
  busy: boolean;
  saving: boolean;
  /** How many photos lack alt text, when the reminder is showing; 0 otherwise. */
  reminder: number;
  onCaption(value: string): void;
  onChoose(files: File[]): void;
  onRemove(itemId: string): void;
  onAltText(itemId: string, value: string): void;
  onReorder(items: ComposerItem[]): void;
  onDrag(over: boolean): void;
  onDrop(event: DragEvent): void;
  onShare(anyway: boolean): void;
  onDismissReminder(): void;
}

/** The form half of the upload page: picker and drop zone, the photos in order, caption, progress. */
export function UploadForm(props: Props) {
  const { id, items, busy } = props;
  const form = useRef<HTMLFormElement>(null);
  const full = items.length >= MAX_MEDIA_PER_POST;
  const reminder = altTextReminder(props.reminder, items.length);

  const addDescriptions = () => {
    props.onDismissReminder();
    const empty = items.findIndex((i) => i.altText.trim() === '');
    form.current?.querySelector<HTMLInputElement>(`#${CSS.escape(`${id}-alt-${empty}`)}`)?.focus();
  };

  return (
    <section className="panel">
      <title>New post · Graminsta</title>
      <h1>New post</h1>
      <form
        ref={form}
        className="form"
        aria-label="New post"
        onSubmit={(e) => {
          e.preventDefault();
          props.onShare(false);
        }}
      >
        <ErrorMessage error={props.error} />
        <div
          className={`dropzone${props.dragging ? ' dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            props.onDrag(true);
          }}
          onDragLeave={() => props.onDrag(false)}
          onDrop={props.onDrop}
          data-testid="dropzone"
        >
          <p className="muted">
            {full
              ? `A post holds up to ${MAX_MEDIA_PER_POST} photos.`
              : `Drag up to ${MAX_MEDIA_PER_POST} photos here, or choose them.`}
          </p>
          <label htmlFor={`${id}-file`}>
            {items.length === 0 ? 'Choose a photo or several' : 'Add more photos'}
          </label>
          <input
            id={`${id}-file`}
            type="file"
            multiple
            accept={props.accept}
            disabled={busy || full}
            onChange={(e) => {
              props.onChoose(Array.from(e.target.files ?? []));
              e.target.value = ''; // choosing the same file again still adds it
            }}
          />
        </div>
        {items.length > 0 && (
          <p className="hint" id={`${id}-alt-hint`}>
            Alt text describes a photo for people who cannot see it.
            {items.length > 1 && ' Drag the handles, or use the arrow buttons, to change the order.'}
          </p>
        )}
        {items.length > 0 && (
          <MediaSorter
            items={items}
            onReorder={props.onReorder}
            label="Photos of this post, in order"
            disabled={busy}
            renderItem={(item, index) => (
              <ComposerRow
                id={id}
                item={item}
                index={index}
                busy={busy}
                onAltText={(v) => props.onAltText(item.id, v)}
                onRemove={() => props.onRemove(item.id)}
              />
            )}
          />
        )}
        <label htmlFor={`${id}-caption`}>Caption</label>
        <textarea
          id={`${id}-caption`}
          value={props.caption}
          maxLength={2200}
          rows={3}
          disabled={busy}
          onChange={(e) => props.onCaption(e.target.value)}
        />
        <p className="hint">Use #tags and @names.</p>
        {reminder && (
          <div className="alt-reminder" role="alert" data-testid="alt-reminder">
            <p>{reminder}</p>
            <div className="form-actions">
              <button type="button" className="button" onClick={addDescriptions}>
                Add descriptions
              </button>
              <button type="button" className="button secondary" onClick={() => props.onShare(true)}>
                Post anyway
              </button>
            </div>
          </div>
        )}
        {props.saving && (
          <p className="muted" role="status">
            Saving…
          </p>
        )}
        <button type="submit" className="button" disabled={items.length === 0 || busy}>
          Share
        </button>
      </form>
    </section>
  );
}

function ComposerRow(props: {
  id: string;
  item: ComposerItem;
  index: number;
  busy: boolean;
  onAltText(value: string): void;
  onRemove(): void;
}) {
  const { id, item, index } = props;
  const n = index + 1;
  const percent = Math.round((item.progress ?? 0) * 100);
  return (
    <div className="media-item">
      <img className="media-preview" src={item.preview} alt={`Preview of photo ${n} (${item.file.name})`} />
      <div className="media-item-fields">
        <label htmlFor={`${id}-alt-${index}`}>{`Alt text for photo ${n}`}</label>
        <input
          id={`${id}-alt-${index}`}
          value={item.altText}
          maxLength={1000}
          disabled={props.busy}
          aria-describedby={`${id}-alt-hint`}
          onChange={(e) => props.onAltText(e.target.value)}
        />
        {item.progress !== null && (
          <div className="progress">
            <progress
              aria-label={`Upload of photo ${n}`}
              data-testid="upload-progress"
              max={100}
              value={percent}
            />
            <span className="small muted">{percent < 100 ? `Uploading… ${percent}%` : 'Sent'}</span>
          </div>
        )}
        <button
          type="button"
          className="link-button danger small"
          disabled={props.busy}
          onClick={props.onRemove}
        >
          {`Remove photo ${n}`}
        </button>
      </div>
    </div>
  );
}
