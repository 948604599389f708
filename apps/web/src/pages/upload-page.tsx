import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import type { Photo } from '@graminsta/contracts';
import { ErrorMessage } from '../components/error-message.tsx';
import { PhotoImage } from '../components/photo-image.tsx';
import { Link } from '../lib/router.tsx';
import { useRealtimeEvents } from '../session/realtime.tsx';
import { useSession } from '../session/session.tsx';
import { UploadForm } from './upload-form.tsx';

// Mirrors UPLOAD_CONTENT_TYPES / MAX_UPLOAD_BYTES of the contracts: importing those values would
// pull the schema library into the bundle. The API enforces the real limits.
const ACCEPTED = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif'];
const MAX_BYTES = 20 * 1024 * 1024;
const POLL_MS = 5000;

type Phase =
  | { step: 'edit' }
  | { step: 'uploading'; fraction: number }
  | { step: 'saving' }
  | { step: 'processing'; photo: Photo }
  | { step: 'done'; photo: Photo }
  | { step: 'failed'; reason: string };

type Outcome = { photo: Photo } | { failed: string };

export function checkFile(file: File): string | null {
  if (!ACCEPTED.includes(file.type)) return 'Choose a JPEG, PNG, WebP, GIF or AVIF image.';
  if (file.size > MAX_BYTES) return 'That file is larger than 20 MB.';
  return null;
}

/**
 * New post: pick or drop a file, preview it, send the bytes straight to the upload target with
 * a progress bar, create the photo, then wait for `photo.ready` on the socket.
 */
export function UploadPage() {
  const { client } = useSession();
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [caption, setCaption] = useState('');
  const [altText, setAltText] = useState('');
  const [phase, setPhase] = useState<Phase>({ step: 'edit' });
  const [error, setError] = useState<unknown>(null);
  const [dragging, setDragging] = useState(false);
  // Outcomes that arrive before we know our photo's id (a fast worker) wait here.
  const outcomes = useRef(new Map<string, Outcome>());
  const id = useId();

  useEffect(() => {
    if (!file) return;
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const settle = (photoId: string, outcome: Outcome) => {
    outcomes.current.set(photoId, outcome);
    setPhase((p) => {
      if (p.step !== 'processing' || p.photo.id !== photoId) return p;
      return 'photo' in outcome
        ? { step: 'done', photo: outcome.photo }
        : { step: 'failed', reason: outcome.failed };
    });
  };

  useRealtimeEvents((event) => {
    if (event.type === 'photo.ready') {
      const photo = (event.data as { photo?: Photo }).photo;
      if (photo) settle(photo.id, { photo });
    } else if (event.type === 'photo.failed') {
      const data = event.data as { photoId?: string; reason?: string };
      if (data.photoId) settle(data.photoId, { failed: data.reason ?? 'the image could not be processed' });
    }
  });

  // The socket may be down: look now and then, so the page never waits forever.
  const processingId = phase.step === 'processing' ? phase.photo.id : null;
  useEffect(() => {
    if (!processingId) return;
    const timer = setInterval(() => {
      client.getPhoto(processingId).then(
        (photo) => {
          if (photo.status === 'ready') settle(photo.id, { photo });
          if (photo.status === 'failed')
            settle(photo.id, { failed: photo.failureReason ?? 'processing failed' });
        },
        () => undefined,
      );
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [client, processingId]);

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
      setPhase({ step: 'processing', photo });
      const known = outcomes.current.get(photo.id);
      if (photo.status === 'ready') settle(photo.id, { photo });
      else if (known) settle(photo.id, known);
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
