import type { EndpointOutput } from '@graminsta/contracts';
import { ApiError } from './api-error.ts';
import type { CallOptions } from './http.ts';
import type { RealtimeClient } from './realtime.ts';

type Photo = EndpointOutput<'getPhoto'>;

/** How processing a photo ended. */
export type PhotoOutcome =
  { status: 'ready'; photo: Photo } | { status: 'failed'; photoId: string; reason: string };

export interface WaitForPhotoOptions {
  /** A started socket of the photo's owner: its events end the wait at once. Without one, polling alone. */
  realtime?: RealtimeClient;
  signal?: AbortSignal;
  /** How often to ask the API meanwhile, in case the socket is down or an event went missing. */
  pollMs?: number;
}

const DEFAULT_POLL_MS = 5000;

/**
 * Resolves once photo `id` is ready or has failed: from its socket event, or from asking the
 * API at the start, every `pollMs`, and each time the socket is back (what was sent while it
 * was away may be lost). Rejects with ApiError when aborted or when the photo is gone (404).
 */
export function waitForPhoto(
  getPhoto: (id: string, call: CallOptions) => Promise<Photo>,
  id: string,
  opts: WaitForPhotoOptions = {},
): Promise<PhotoOutcome> {
  const { realtime, signal, pollMs = DEFAULT_POLL_MS } = opts;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ApiError(0, 'aborted', 'wait for the photo aborted'));
    const polls = new AbortController();
    const cleanups: Array<() => void> = [() => polls.abort()];
    let settled = false;
    const settle = (end: () => void) => {
      if (settled) return;
      settled = true;
      for (const cleanup of cleanups) cleanup();
      end();
    };
    const done = (outcome: PhotoOutcome) => settle(() => resolve(outcome));
    const fail = (err: unknown) => settle(() => reject(err));

    let asking = false;
    const poll = () => {
      if (asking) return;
      asking = true;
      getPhoto(id, { signal: polls.signal }).then(
        (photo) => {
          asking = false;
          if (photo.status === 'ready') done({ status: 'ready', photo });
          if (photo.status === 'failed')
            done({ status: 'failed', photoId: id, reason: photo.failureReason ?? 'processing failed' });
        },
        (err: unknown) => {
          asking = false;
          // Gone for good ends the wait; a network blip or a 5xx is asked again at the next poll.
          if (err instanceof ApiError && err.status === 404) fail(err);
        },
      );
    };

    if (realtime) {
      cleanups.push(
        realtime.on('event', (event) => {
          if (event.type === 'photo.ready' && event.data.photo.id === id)
            done({ status: 'ready', photo: event.data.photo });
          if (event.type === 'photo.failed' && event.data.photoId === id)
            done({ status: 'failed', photoId: id, reason: event.data.reason });
        }),
        realtime.on('status', (status) => status === 'ready' && poll()),
      );
    }
    const timer = setInterval(poll, pollMs);
    cleanups.push(() => clearInterval(timer));
    if (signal) {
      const onAbort = () => fail(new ApiError(0, 'aborted', 'wait for the photo aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    poll();
  });
}
