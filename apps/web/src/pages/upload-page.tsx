import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { MAX_MEDIA_PER_POST, MAX_UPLOAD_BYTES, UPLOAD_CONTENT_TYPES, type Photo } from '@graminsta/contracts';
import { uploadRequestFor } from '@graminsta/sdk';
import { Carousel } from '../components/carousel.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { Link } from '../lib/router.tsx';
import { useRealtime } from '../session/realtime.tsx';
import { useSession } from '../session/session.tsx';
import { UploadForm, type ComposerItem } from './upload-form.tsx';

// The API's own limits (it enforces them too): refusing here saves sending the bytes.
const ACCEPTED: readonly string[] = UPLOAD_CONTENT_TYPES;

type Phase =
  | { step: 'edit' }
  | { step: 'sending' }
  | { step: 'saving' }
  | { step: 'processing'; photo: Photo }
  | { step: 'done'; photo: Photo }
  | { step: 'failed'; reason: string };

export function checkFile(file: File): string | null {
  if (!ACCEPTED.includes(file.type)) return 'Choose a JPEG, PNG, WebP, GIF or AVIF image.';
  if (file.size > MAX_UPLOAD_BYTES) return 'That file is larger than 20 MB.';
  return null;
}

let nextKey = 0;

/**
 * New post of 1–10 photos: pick or drop files, preview each, give each its alt text, put them in
 * order, send every file's bytes straight to its upload target with its own progress bar, create
 * the post, then wait for it to be processed (the socket, or polling).
 */
export function UploadPage() {
  const { client } = useSession();
  const { socket } = useRealtime();
  const [items, setItems] = useState<ComposerItem[]>([]);
  const [caption, setCaption] = useState('');
  const [phase, setPhase] = useState<Phase>({ step: 'edit' });
  const [error, setError] = useState<unknown>(null);
  const [reminding, setReminding] = useState(false);
  const [dragging, setDragging] = useState(false);
  const id = useId();
  const sending = useRef<AbortController | null>(null);
  const previews = useRef(new Set<string>());

  // Previews live as long as the page; an upload still running when it goes is stopped.
  useEffect(() => {
    const urls = previews.current;
    return () => {
      sending.current?.abort();
      for (const url of urls) URL.revokeObjectURL(url);
    };
  }, []);

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
        // Aborted: the page moved on. Otherwise the post is gone (deleted meanwhile).
        if (!stop.signal.aborted) setPhase({ step: 'failed', reason: (err as Error).message });
      },
    );
    return () => stop.abort();
  }, [client, socket, processingId]);

  const add = (files: readonly File[]) => {
    const problems: string[] = [];
    const room = MAX_MEDIA_PER_POST - items.length;
    const good = files.filter((file) => {
      const problem = checkFile(file);
      if (problem) problems.push(`${file.name}: ${problem}`);
      return !problem;
    });
    if (good.length > room) {
      const left = good.length - Math.max(room, 0);
      problems.push(
        `A post holds at most ${MAX_MEDIA_PER_POST} photos: ${left} ${left === 1 ? 'was' : 'were'} left out.`,
      );
    }
    const added = good.slice(0, Math.max(room, 0)).map((file): ComposerItem => {
      const preview = URL.createObjectURL(file);
      previews.current.add(preview);
      return { id: `item-${++nextKey}`, file, preview, altText: '', progress: null };
    });
    setError(problems.length > 0 ? new Error(problems.join(' ')) : null);
    setItems((all) => [...all, ...added]);
  };

  const remove = (itemId: string) => {
    const item = items.find((i) => i.id === itemId);
    if (item) {
      URL.revokeObjectURL(item.preview);
      previews.current.delete(item.preview);
    }
    setItems((all) => all.filter((i) => i.id !== itemId));
    setReminding(false);
  };

  const update = (itemId: string, change: Partial<ComposerItem>) =>
    setItems((all) => all.map((i) => (i.id === itemId ? { ...i, ...change } : i)));

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    add(Array.from(event.dataTransfer.files));
  };

  const missingAlt = items.filter((i) => i.altText.trim() === '').length;

  const share = async (anyway: boolean) => {
    if (items.length === 0) return;
    if (missingAlt > 0 && !anyway) {
      setReminding(true);
      return;
    }
    setReminding(false);
    setError(null);
    setPhase({ step: 'sending' });
    const controller = new AbortController();
    sending.current = controller;
    const call = { signal: controller.signal };
    const chosen = items;
    try {
      const uploadIds = await Promise.all(
        chosen.map(async (item) => {
          update(item.id, { progress: 0 });
          // Large files go in parts, so a dropped connection resumes instead of starting again.
          const target = await client.createUpload({ body: uploadRequestFor(item.file) }, call);
          await client.uploadFile(target, item.file, (p) => update(item.id, { progress: p.fraction }), call);
          return target.uploadId;
        }),
      );
      setPhase({ step: 'saving' });
      const media = chosen.map((item, i) => {
        const altText = item.altText.trim();
        return altText ? { uploadId: uploadIds[i]!, altText } : { uploadId: uploadIds[i]! };
      });
      const body = caption ? { media, caption } : { media };
      const photo = await client.createPhoto({ body }, call);
      setPhase(photo.status === 'ready' ? { step: 'done', photo } : { step: 'processing', photo });
    } catch (err) {
      // One file refused stops the others: the post is all of them or nothing.
      controller.abort();
      setError(err);
      setItems((all) => all.map((i) => ({ ...i, progress: null })));
      setPhase({ step: 'edit' });
    } finally {
      if (sending.current === controller) sending.current = null;
    }
  };

  const reset = () => {
    for (const item of items) {
      URL.revokeObjectURL(item.preview);
      previews.current.delete(item.preview);
    }
    setItems([]);
    setCaption('');
    setError(null);
    setReminding(false);
    setPhase({ step: 'edit' });
  };

  if (phase.step === 'processing' || phase.step === 'done' || phase.step === 'failed') {
    const several = items.length > 1;
    return (
      <section className="panel">
        <title>New post · Graminsta</title>
        <h1>New post</h1>
        {phase.step === 'processing' && (
          <p role="status" className="processing-note">
            {several ? 'Processing your photos…' : 'Processing your photo…'} it appears here as soon as it is
            ready.
          </p>
        )}
        {phase.step === 'done' && (
          <>
            <p role="status">{several ? `Your ${items.length} photos are ready.` : 'Your photo is ready.'}</p>
            <Carousel photo={phase.photo} sizes="(max-width: 600px) 100vw, 600px" />
            <p>
              <Link to={`/p/${phase.photo.id}`}>View your post</Link>
            </p>
          </>
        )}
        {phase.step === 'failed' && (
          <ErrorMessage error={new Error(`Your post could not be processed: ${phase.reason}`)} />
        )}
        <button type="button" className="button secondary" onClick={reset}>
          Start a new post
        </button>
      </section>
    );
  }

  return (
    <UploadForm
      id={id}
      items={items}
      caption={caption}
      dragging={dragging}
      error={error}
      accept={ACCEPTED.join(',')}
      busy={phase.step === 'sending' || phase.step === 'saving'}
      saving={phase.step === 'saving'}
      reminder={reminding ? missingAlt : 0}
      onCaption={setCaption}
      onChoose={add}
      onRemove={remove}
      onAltText={(itemId, altText) => update(itemId, { altText })}
      onReorder={setItems}
      onDrag={setDragging}
      onDrop={onDrop}
      onShare={(anyway) => void share(anyway)}
      onDismissReminder={() => setReminding(false)}
    />
  );
}
