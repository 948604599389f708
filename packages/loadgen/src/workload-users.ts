import { randomBytes } from 'node:crypto';
import { seededRandom } from './random.ts';
import { logInOne } from './log-in.ts';
import { PhotoPool, runAction } from './workload-actions.ts';
import { WorkloadHttp } from './workload-http.ts';
import { WorkloadStats } from './workload-stats.ts';
import type { Session, WorkloadOptions, WriteRecord } from './workload.types.ts';

const FOLLOWS_PER_USER = 10;
const READY_TIMEOUT_MS = 60_000;

/** One set-up call that must succeed; the run has not started, so a failure stops it. */
export async function api<T>(
  baseUrl: string,
  method: string,
  path: string,
  token: string | null,
  json?: unknown,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (json !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(new URL(path, baseUrl), {
    method,
    headers,
    body: json === undefined ? undefined : JSON.stringify(json),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** The users the run acts as: given sessions, then tokens, then logged-in users, then fresh sign-ups. */
export async function prepareSessions(
  opts: Pick<
    WorkloadOptions,
    'baseUrl' | 'sessions' | 'tokens' | 'users' | 'signup' | 'photosPerUser' | 'allowRemote' | 'log'
  > & { images: Buffer[] },
): Promise<Session[]> {
  const sessions: Session[] = [...(opts.sessions ?? [])];
  for (const token of opts.tokens ?? []) {
    const me = await api<{ username: string }>(opts.baseUrl, 'GET', '/api/v1/me', token);
    sessions.push({ username: me.username, token });
  }
  for (const { username, password } of opts.users ?? [])
    sessions.push({ username, token: await logInOne(opts.baseUrl, username, password) });
  if (opts.signup && opts.signup > 0) {
    sessions.push(
      ...(await signUpUsers(opts.baseUrl, opts.signup, {
        photosPerUser: opts.photosPerUser ?? 2,
        images: opts.images,
        allowRemote: opts.allowRemote ?? false,
        log: opts.log,
      })),
    );
  }
  if (sessions.length === 0)
    throw new Error('the workload needs users: give users, tokens, sessions or signup');
  return sessions;
}

/**
 * Fresh accounts for an empty deployment: each follows up to ten of the others and posts a few
 * photos, which are awaited until ready, so feeds have something to show from the first request.
 */
export async function signUpUsers(
  baseUrl: string,
  count: number,
  opts: { photosPerUser: number; images: Buffer[]; allowRemote: boolean; log?: (line: string) => void },
): Promise<Session[]> {
  const tag = randomBytes(3).toString('hex');
  const sessions: Session[] = [];
  for (let i = 0; i < count; i++) {
    const username = `load_${tag}_${i}`;
    const password = randomBytes(12).toString('hex');
    const made = await api<{ token: string }>(baseUrl, 'POST', '/api/v1/accounts', null, {
      username,
      password,
      displayName: `Load ${i}`,
    });
    sessions.push({ username, token: made.token });
  }
  for (const [i, s] of sessions.entries()) {
    for (let j = 1; j <= Math.min(FOLLOWS_PER_USER, count - 1); j++) {
      const other = sessions[(i + j) % count]!;
      await api(baseUrl, 'PUT', `/api/v1/users/${other.username}/follow`, s.token);
    }
  }
  const photos = await postPhotos(baseUrl, sessions, opts);
  await waitUntilReady(baseUrl, photos);
  opts.log?.(`signed up ${count} users (tag ${tag}), ${photos.length} photos ready`);
  return sessions;
}

/** The same upload the workload makes, outside its statistics; any failure stops the set-up. */
async function postPhotos(
  baseUrl: string,
  sessions: Session[],
  opts: { photosPerUser: number; images: Buffer[]; allowRemote: boolean },
): Promise<Array<{ id: string; token: string }>> {
  const writes: WriteRecord[] = [];
  const http = new WorkloadHttp({
    stats: new WorkloadStats(),
    maxAttempts: 3,
    timeoutMs: 30_000,
    allowRemote: opts.allowRemote,
  });
  const ctx = {
    baseUrl,
    http,
    pool: new PhotoPool(),
    random: seededRandom(7),
    images: opts.images,
    sessions,
    writes,
  };
  for (const s of sessions) for (let k = 0; k < opts.photosPerUser; k++) await runAction('upload', s, ctx);
  const failed = writes.find((w) => !w.ok);
  const photos = writes.filter((w) => w.endpoint === 'create-photo');
  if (failed || photos.length !== sessions.length * opts.photosPerUser)
    throw new Error(`set-up upload failed: ${JSON.stringify(failed ?? 'the bytes were not accepted')}`);
  const tokens = new Map(sessions.map((s) => [s.username, s.token]));
  return photos.map((w) => ({ id: w.createdId!, token: tokens.get(w.user)! }));
}

/** Polled as the owner: a photo still processing is visible to its owner only. */
async function waitUntilReady(baseUrl: string, photos: Array<{ id: string; token: string }>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (const { id, token } of photos) {
    for (;;) {
      const photo = await api<{ status: string; failureReason: string | null }>(
        baseUrl,
        'GET',
        `/api/v1/photos/${id}`,
        token,
      );
      if (photo.status === 'ready') break;
      if (photo.status === 'failed') throw new Error(`set-up photo ${id} failed: ${photo.failureReason}`);
      if (Date.now() > deadline) throw new Error(`set-up photo ${id} not ready after ${READY_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
