import { randomUUID } from 'node:crypto';
import type { Random } from './random.ts';
import type { Outcome, WorkloadHttp } from './workload-http.ts';
import type { Action, Session, WriteEndpoint, WriteRecord } from './workload.types.ts';

const MAX_POOL = 1000;

/** Ready photos and their owners seen in feeds so far: what the next views, likes and comments aim at. */
export class PhotoPool {
  private readonly ids: string[] = [];
  private readonly known = new Set<string>();
  private readonly owners: string[] = [];
  private readonly knownOwners = new Set<string>();

  get size(): number {
    return this.ids.length;
  }

  /** Takes the ready photos of a list response ({items: Photo[]}); anything else is ignored. */
  addFromPage(page: unknown): void {
    const items = (page as { items?: unknown } | null)?.items;
    if (!Array.isArray(items)) return;
    for (const item of items as Array<{ id?: unknown; status?: unknown; owner?: { username?: unknown } }>) {
      if (typeof item.id !== 'string' || item.status !== 'ready' || this.known.has(item.id)) continue;
      this.known.add(item.id);
      this.ids.push(item.id);
      // Oldest out first: the pool follows what feeds show now, in bounded memory.
      if (this.ids.length > MAX_POOL) this.known.delete(this.ids.shift()!);
      const owner = item.owner?.username;
      if (typeof owner === 'string' && !this.knownOwners.has(owner)) {
        this.knownOwners.add(owner);
        this.owners.push(owner);
      }
    }
  }

  pick(random: Random): string | null {
    return this.ids.length > 0 ? random.pick(this.ids) : null;
  }

  pickOwner(random: Random): string | null {
    return this.owners.length > 0 ? random.pick(this.owners) : null;
  }
}

export interface ActionContext {
  baseUrl: string;
  http: WorkloadHttp;
  pool: PhotoPool;
  random: Random;
  /** JPEG bytes to upload. */
  images: Buffer[];
  sessions: Session[];
  /** Every API write is appended here when it starts and completed when it ends. */
  writes: WriteRecord[];
}

const NEEDS_PHOTO: ReadonlySet<Action> = new Set(['photo', 'comments', 'like', 'comment']);

/** Runs one action as `user`; returns the action really run (one that needs a photo falls back to feed). */
export async function runAction(action: Action, user: Session, ctx: ActionContext): Promise<Action> {
  const photoId = ctx.pool.pick(ctx.random);
  if (NEEDS_PHOTO.has(action) && photoId === null) action = 'feed';
  const get = (endpoint: 'feed' | 'profile' | 'photo' | 'comments', path: string) =>
    ctx.http.send({
      endpoint,
      method: 'GET',
      url: new URL(path, ctx.baseUrl).toString(),
      user,
      retry: false,
    });
  const photoPath = `/api/v1/photos/${photoId ?? ''}`;

  switch (action) {
    case 'feed': {
      const page = await get('feed', '/api/v1/feed');
      if (page.ok) ctx.pool.addFromPage(page.body);
      break;
    }
    case 'profile': {
      const username = ctx.pool.pickOwner(ctx.random) ?? ctx.random.pick(ctx.sessions).username;
      await get('profile', `/api/v1/users/${encodeURIComponent(username)}`);
      break;
    }
    case 'photo':
      await get('photo', photoPath);
      break;
    case 'comments':
      await get('comments', `${photoPath}/comments`);
      break;
    case 'like':
      await write(ctx, user, 'like', 'PUT', `${photoPath}/like`, photoId, () => undefined);
      break;
    case 'comment':
      // The key in the body makes a doubled comment recognisable, not just countable.
      await write(ctx, user, 'comment', 'POST', `${photoPath}/comments`, photoId, (key) => ({
        body: `load ${key}`,
      }));
      break;
    case 'upload':
      await upload(ctx, user);
      break;
  }
  return action;
}

/** One API write with a fresh Idempotency-Key, logged from start to outcome. */
async function write(
  ctx: ActionContext,
  user: Session,
  endpoint: WriteEndpoint,
  method: 'POST' | 'PUT',
  path: string,
  photoId: string | null,
  bodyFor: (key: string) => unknown,
): Promise<Outcome> {
  const key = randomUUID();
  const json = bodyFor(key);
  const record: WriteRecord = {
    endpoint,
    method,
    path,
    user: user.username,
    idempotencyKey: key,
    photoId,
    body: json ?? null,
    attempts: [],
    status: null,
    ok: false,
    createdId: null,
  };
  ctx.writes.push(record);
  const url = new URL(path, ctx.baseUrl).toString();
  const out = await ctx.http.send({ endpoint, method, url, user, json, idempotencyKey: key, retry: true });
  record.attempts = out.attempts;
  record.status = out.status;
  record.ok = out.ok;
  record.createdId = out.ok ? createdId(endpoint, out.body) : null;
  return out;
}

function createdId(endpoint: WriteEndpoint, body: unknown): string | null {
  const b = body as { id?: unknown; uploadId?: unknown } | null;
  const id = endpoint === 'upload' ? b?.uploadId : endpoint === 'like' ? null : b?.id;
  return typeof id === 'string' ? id : null;
}

interface UploadTarget {
  uploadId: string;
  upload: {
    method: 'PUT' | 'POST';
    url: string;
    headers?: Record<string, string>;
    fields?: Record<string, string>;
  };
}

/** The two-step upload every client makes: ask for a target, send the bytes there, create the photo. */
async function upload(ctx: ActionContext, user: Session): Promise<void> {
  const image = ctx.random.pick(ctx.images);
  const target = await write(ctx, user, 'upload', 'POST', '/api/v1/uploads', null, () => ({
    contentType: 'image/jpeg',
    size: image.length,
  }));
  if (!target.ok) return;
  const { uploadId, upload: to } = target.body as UploadTarget;
  const file = new Blob([new Uint8Array(image)], { type: 'image/jpeg' });
  let body: Blob | FormData = file;
  if (to.method === 'POST') {
    // A presigned POST form (S3): the fields first, the file last.
    const form = new FormData();
    for (const [k, v] of Object.entries(to.fields ?? {})) form.append(k, v);
    form.append('file', file);
    body = form;
  }
  const sent = await ctx.http.send({
    endpoint: 'upload-bytes',
    method: to.method,
    // The local storage role may hand out a URL relative to the API origin.
    url: new URL(to.url, ctx.baseUrl).toString(),
    user,
    auth: false,
    headers: to.method === 'PUT' ? (to.headers ?? {}) : {},
    body,
    // Sending the same bytes to the same signed target again stores the same object.
    retry: true,
  });
  if (!sent.ok) return;
  await write(ctx, user, 'create-photo', 'POST', '/api/v1/photos', null, (key) => ({
    uploadId,
    caption: `load ${key} #graminsta`,
  }));
}
