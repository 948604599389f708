import type { DragEvent } from 'react';
import { ErrorMessage } from '../components/error-message.tsx';

interface Props {
  id: string;
  file: File | null;
  preview: string | null;
  caption: string;
  altText: string;
  dragging: boolean;
  error: unknown;
  accept: string;
  /** 0…1 while the bytes are on their way, null before. */
  progress: number | null;
  onCaption(value: string): void;
  onAltText(value: string): void;
  onChoose(file: File | undefined): void;
  onDrag(over: boolean): void;
  onDrop(event: DragEvent): void;
  onShare(): void;
}

/** The form half of the upload page: file picker and drop zone, preview, caption, alt text, progress. */
export function UploadForm(props: Props) {
  const { id, file, preview, progress } = props;
  const sending = progress !== null;
  const percent = Math.round((progress ?? 0) * 100);
  return (
    <section className="panel">
      <title>New post · Graminsta</title>
      <h1>New post</h1>
      <form
        className="form"
        aria-label="New post"
        onSubmit={(e) => {
          e.preventDefault();
          props.onShare();
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
          {preview ? (
            <img className="preview" src={preview} alt="Preview of the photo you chose" />
          ) : (
            <p className="muted">Drag a photo here, or choose one.</p>
          )}
          <label htmlFor={`${id}-file`}>{file ? 'Choose a different photo' : 'Choose a photo'}</label>
          <input
            id={`${id}-file`}
            type="file"
            accept={props.accept}
            disabled={sending}
            onChange={(e) => props.onChoose(e.target.files?.[0])}
          />
        </div>
        <label htmlFor={`${id}-caption`}>Caption</label>
        <textarea
          id={`${id}-caption`}
          value={props.caption}
          maxLength={2200}
          rows={3}
          disabled={sending}
          onChange={(e) => props.onCaption(e.target.value)}
        />
        <p className="hint">Use #tags and @names.</p>
        <label htmlFor={`${id}-alt`}>Alt text</label>
        <input
          id={`${id}-alt`}
          value={props.altText}
          maxLength={1000}
          disabled={sending}
          aria-describedby={`${id}-alt-hint`}
          onChange={(e) => props.onAltText(e.target.value)}
        />
        <p className="hint" id={`${id}-alt-hint`}>
          Describe the photo for people who cannot see it.
        </p>
        {sending && (
          <div className="progress">
            <label htmlFor={`${id}-progress`}>{percent < 100 ? `Uploading… ${percent}%` : 'Saving…'}</label>
            <progress id={`${id}-progress`} data-testid="upload-progress" max={100} value={percent} />
          </div>
        )}
        <button type="submit" className="button" disabled={!file || sending}>
          Share
        </button>
      </form>
    </section>
  );
}
