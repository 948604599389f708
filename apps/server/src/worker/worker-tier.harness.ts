import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, type Child } from '@graminsta/topology';
import { startGraminsta } from '../graminsta-bin.ts';

/**
 * A worker tier on loopback, for the worker-tier tests and bench/workers.ts: a fresh PostgreSQL
 * database, one `graminsta start --roles api,storage` process, and any number of
 * `--roles worker` processes beside it (same database and blob folder), each logging one line per
 * job try at info level, so a test can tell which process ran what.
 */
export interface WorkerTierOptions {
  /** An admin connection to the PostgreSQL server the tier's database is made on. */
  adminUrl: string;
  /** Settings for every process (QUEUE_LEASE_MS, QUEUE_RETRY_BASE_MS, WORKER_CONCURRENCY, …). */
  env?: Record<string, string>;
}

export interface WorkerProcess {
  name: string;
  child: Child;
  /** The `job done` / `job failed` lines this process has logged so far. */
  jobLines(): JobLine[];
}

export interface JobLine {
  worker: string;
  msg: 'job done' | 'job failed' | 'job given up';
  job: string;
  attempt?: number;
  photoId?: string;
  ms?: number;
  /** When it was logged (ms since the epoch). */
  time: number;
}

export interface WorkerTier {
  /** The API's origin (storage is served by the same process). */
  api: string;
  dataDir: string;
  databaseUrl: string;
  workers: WorkerProcess[];
  startWorker(): Promise<WorkerProcess>;
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Every job line of every worker started so far, the dead ones included. */
  jobLines(): JobLine[];
  stop(): Promise<void>;
}

function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function parseJobLines(worker: string, output: string): JobLine[] {
  const lines: JobLine[] = [];
  for (const text of output.split('\n')) {
    if (!text.startsWith('{') || !text.includes('"job')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(text) as Record<string, unknown>;
    } catch {
      continue;
    }
    const msg = entry.msg;
    if (msg !== 'job done' && msg !== 'job failed' && msg !== 'job given up') continue;
    const payload = entry.payload as { photoId?: string } | undefined;
    lines.push({
      worker,
      msg,
      job: String(entry.job),
      attempt:
        typeof entry.attempt === 'number'
          ? entry.attempt
          : typeof entry.attempts === 'number'
            ? entry.attempts
            : undefined,
      photoId: payload?.photoId,
      ms: typeof entry.ms === 'number' ? entry.ms : undefined,
      time: Number(entry.time),
    });
  }
  return lines;
}

export async function startWorkerTier(opts: WorkerTierOptions): Promise<WorkerTier> {
  const dbName = `graminsta_workers_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(opts.adminUrl, `create database "${dbName}"`);
  const databaseUrl = withDatabase(opts.adminUrl, dbName);
  const dataDir = await mkdtemp(join(tmpdir(), 'graminsta-workers-'));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const children: Child[] = [];
  const all: WorkerProcess[] = [];
  const common = {
    ...process.env,
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    RATE_LIMITS: 'off',
    // One secret for every process: upload URLs signed by the API are checked by storage.
    SECRET: randomBytes(24).toString('hex'),
    ...opts.env,
  };

  const stop = async () => {
    await Promise.allSettled(children.map((c) => c.stop('SIGTERM', 10_000)));
    await pool.end().catch(() => {});
    await admin(opts.adminUrl, `drop database if exists "${dbName}" with (force)`).catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const apiProcess = await startGraminsta(['start', '--roles', 'api,storage'], {
      ...common,
      PORT: String(await freePort()),
      INSTANCE_ID: 'api-1',
      LOG_LEVEL: 'warn',
    });
    children.push(apiProcess);
    const tier: WorkerTier = {
      api: apiProcess.announced,
      dataDir,
      databaseUrl,
      workers: [],
      async startWorker() {
        const name = `worker-${all.length + 1}`;
        const child = await startGraminsta(['start', '--roles', 'worker'], {
          ...common,
          PORT: String(await freePort()),
          INSTANCE_ID: name,
          LOG_LEVEL: 'info',
        });
        children.push(child);
        const worker = { name, child, jobLines: () => parseJobLines(name, child.output()) };
        all.push(worker);
        tier.workers.push(worker);
        return worker;
      },
      async query<T>(text: string, params: unknown[] = []) {
        return (await pool.query(text, params)).rows as T[];
      },
      jobLines: () => all.flatMap((w) => w.jobLines()),
      stop,
    };
    return tier;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The client side of the upload flow, as any client of the contract does it. */
export class TierClient {
  constructor(
    readonly api: string,
    readonly token: string,
  ) {}

  static async signUp(api: string, username: string): Promise<TierClient> {
    const res = await fetch(`${api}/api/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: `${username} has a password` }),
    });
    if (res.status !== 201) throw new Error(`sign-up: ${res.status} ${await res.text()}`);
    return new TierClient(api, ((await res.json()) as { token: string }).token);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.api}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** POST /uploads, then the bytes to the target it names: the upload's id and its object key. */
  async upload(bytes: Buffer, contentType = 'image/jpeg'): Promise<{ uploadId: string }> {
    const up = await this.call<{
      uploadId: string;
      upload: { method: string; url: string; headers: Record<string, string> };
    }>('POST', '/uploads', { contentType, size: bytes.length });
    if (up.status !== 201) throw new Error(`POST /uploads: ${up.status} ${JSON.stringify(up.body)}`);
    const put = await fetch(new URL(up.body.upload.url, this.api), {
      method: up.body.upload.method,
      headers: up.body.upload.headers,
      body: new Uint8Array(bytes),
    });
    if (!put.ok) throw new Error(`upload: ${put.status} ${await put.text()}`);
    return { uploadId: up.body.uploadId };
  }

  async createPost(uploadId: string): Promise<string> {
    const created = await this.call<{ id: string }>('POST', '/photos', { uploadId });
    if (created.status !== 202)
      throw new Error(`POST /photos: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body.id;
  }

  async photo(id: string): Promise<{ status: string; failureReason: string | null }> {
    const res = await this.call<{ status: string; failureReason: string | null }>('GET', `/photos/${id}`);
    if (res.status !== 200) throw new Error(`GET /photos/${id}: ${res.status}`);
    return res.body;
  }

  /** Polls until the post leaves `processing` (or the time is up). */
  async settled(id: string, timeoutMs = 60_000): Promise<{ status: string; failureReason: string | null }> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const photo = await this.photo(id);
      if (photo.status !== 'processing' || Date.now() > until) return photo;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
