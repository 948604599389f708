import { useEffect, useId, useState, type DragEvent } from 'react';
import { MAX_UPLOAD_BYTES, UPLOAD_CONTENT_TYPES, type Photo } from '@graminsta/contracts';
import { ErrorMessage } from '../components/error-message.tsx';
import { PhotoImage } from '../components/photo-image.tsx';
import { Link } from '../lib/router.tsx';
import { useRealtime } from '../session/realtime.tsx';
import { useSession } from '../session/session.tsx';
import { UploadForm } from './upload-form.tsx';

// The API's own limits (it enforces them too): refusing here saves sending the bytes.
const ACCEPTED: readonly string[] = UPLOAD_CONTENT_TYPES;

type Phase =
  | { step: 'edit' }
  | { step: 'uploading'; fraction: number }
  | { step: 'saving' }
  | { step: 'processing'; photo: Photo }
  | { step: 'done'; photo: Photo }
  | { step: 'failed'; reason: string };

export function checkFile(file: File): string | null {
  if (!ACCEPTED.includes(file.type)) return 'Choose a JPEG, PNG, WebP, GIF or AVIF image.';
  if (file.size > MAX_UPLOAD_BYTES) return 'That file is larger than 20 MB.';
  return null;
}

/**
 * New post: pick or drop a file, preview it, send the bytes straight to the upload target with
 * a progress bar, create the photo, then wait for it to be processed (the socket, or polling).
 */
export function UploadPage() {
  const { client } = useSession();
  const { socket } = useRealtime();
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [caption, setCaption] = useState('');
  const [altText, setAltText] = useState('');
  const [phase, setPhase] = useState<Phase>({ step: 'edit' });
  const [error, setError] = useState<unknown>(null);
  const [dragging, setDragging] = useState(false);
  const id = useId();

  useEffect(() => {
    if (!file) return;
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const processingId = phase.step === 'processing' ? phase.photo.id : null;
  useEffect(() => {
    if (!processingId) return;
    const stop = new AbortController();
    client.waitForPhoto(processingId, { realtime: socket ?? undefined, signal: stop.signal }).then(
      (outcome) =>
        setPhase(
          outcome.status === 'ready'
            ? { step: 'done', photo: outcome.photo }
            : { step: 'failed', reason: outcome.reason },
        ),
      (err: unknown) => {
        // Aborted: the page moved on. Otherwise the photo is gone (deleted meanwhile).
        if (!stop.signal.aborted) setPhase({ step: 'failed', reason: (err as Error).message });
      },
    );
    return () => stop.abort();
  }, [client, socket, processingId]);

  const choose = (chosen: File | undefined) => {
    if (!chosen) return;
    const problem = checkFile(chosen);
    setError(problem ? new Error(problem) : null);
    if (!problem) setFile(chosen);
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    choose(event.dataTransfer.files[0]);
  };

  const share = async () => {
    if (!file) return;
    setError(null);
    setPhase({ step: 'uploading', fraction: 0 });
    try {
      const photo = await client.postPhoto(file, { caption, altText }, (p) =>
        setPhase(p.fraction < 1 ? { step: 'uploading', fraction: p.fraction } : { step: 'saving' }),
      );
      setPhase(photo.status === 'ready' ? { step: 'done', photo } : { step: 'processing', photo });
    } catch (err) {
      setError(err);
      setPhase({ step: 'edit' });
    }
  };

  const reset = () => {
    setFile(null);
    setPreview(null);
    setCaption('');
    setAltText('');
    setError(null);
    setPhase({ step: 'edit' });
  };

  if (phase.step === 'processing' || phase.step === 'done' || phase.step === 'failed') {
    return (
      <section className="panel">
        <title>New post · Graminsta</title>
        <h1>New post</h1>
        {phase.step === 'processing' && (
          <p role="status" className="processing-note">
            Processing your photo… it appears here as soon as it is ready.
          </p>
        )}
        {phase.step === 'done' && (
          <>
            <p role="status">Your photo is ready.</p>
            <PhotoImage photo={phase.photo} sizes="(max-width: 600px) 100vw, 600px" />
            <p>
              <Link to={`/p/${phase.photo.id}`}>View your post</Link>
            </p>
          </>
        )}
        {phase.step === 'failed' && (
          <ErrorMessage error={new Error(`Your photo could not be processed: ${phase.reason}`)} />
        )}
        <button type="button" className="button secondary" onClick={reset}>
          Post another photo
        </button>
      </section>
    );
  }

  return (
    <UploadForm
      id={id}
      file={file}
      preview={preview}
      caption={caption}
      altText={altText}
      dragging={dragging}
      error={error}
      accept={ACCEPTED.join(',')}
      progress={phase.step === 'uploading' ? phase.fraction : phase.step === 'saving' ? 1 : null}
      onCaption={setCaption}
      onAltText={setAltText}
      onChoose={choose}
      onDrag={setDragging}
      onDrop={onDrop}
      onShare={() => void share()}
    />
  );
}
