import type { Readable } from 'node:stream';
import { exportDownloadPath, type AccountExport, type LatestExport } from '@graminsta/contracts';
import type { BlobStore, Db } from '@graminsta/platform';
import { AppError, notFound } from '../errors.ts';
import type { JobQueue } from '../jobs/jobs.ts';
import type { Notifier } from '../services.ts';
import { exportEntries } from './export-entries.ts';
import { ExportRepository, type ExportRow } from './export.repository.ts';
import { exportKey, writeZip } from './export-zip.ts';

export interface ExportDeps {
  db: Db;
  blobs: Pick<BlobStore, 'putStream' | 'stream' | 'delete'>;
  queue: Pick<JobQueue, 'enqueue'>;
  notifier: Pick<Notifier, 'announce'>;
  /** How long a ready zip can be downloaded (7 days). */
  ttlMs?: number;
  now?: () => Date;
}

export const EXPORT_TTL_MS = 7 * 24 * 3600 * 1000;

/** A zip ready to be sent: its bytes as a stream, its size, and the file name to save it under. */
export interface ExportDownload {
  body: Readable;
  size: number;
  fileName: string;
}

export function toAccountExport(row: ExportRow): AccountExport {
  return {
    id: row.id,
    status: row.status,
    url: row.status === 'ready' ? exportDownloadPath(row.id) : null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Account exports: asked for by the owner, built into a private zip by a job, downloaded for a week. */
export class ExportService {
  private readonly repo: ExportRepository;

  constructor(private readonly deps: ExportDeps) {
    this.repo = new ExportRepository(deps.db);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async request(userId: string): Promise<AccountExport> {
    const row = await this.deps.db.transaction(
      async (tx) => (await this.repo.pendingFor(userId, tx)) ?? this.repo.insert(userId, tx),
    );
    // Booked again for a pending one too: jobId = export id, so a job already waiting is not doubled.
    await this.deps.queue.enqueue('account.export', { exportId: row.id }, { jobId: row.id, attempts: 3 });
    return toAccountExport(row);
  }

  async latest(userId: string): Promise<LatestExport> {
    const row = await this.repo.latest(userId);
    return { export: row ? toAccountExport(row) : null };
  }

  /** The owner's zip; anybody else's export is not found, an expired one is gone. */
  async download(userId: string, exportId: string): Promise<ExportDownload> {
    const row = await this.repo.findById(exportId);
    if (!row || row.userId !== userId) throw notFound('export');
    if (row.status !== 'ready' || !row.key) throw new AppError('conflict', 'the export is not ready yet');
    if (!row.expiresAt || row.expiresAt <= this.now()) throw new AppError('gone', 'the export has expired');
    const stored = await this.deps.blobs.stream(row.key);
    if (!stored) throw new AppError('gone', 'the export has expired');
    const day = row.createdAt.toISOString().slice(0, 10);
    return { body: stored.body, size: stored.size, fileName: `graminsta-export-${day}.zip` };
  }

  /** The job: writes the zip, then marks the export ready and tells its owner. */
  async build(exportId: string): Promise<void> {
    const row = await this.repo.findById(exportId);
    if (!row || row.status !== 'pending') return;
    const user = await this.repo.user(row.userId);
    // An account being deleted takes its exports with it: nothing to build.
    if (!user || user.deletedAt) return;
    const key = exportKey(row.userId, row.id);
    const size = await writeZip(
      this.deps.blobs,
      key,
      exportEntries(this.repo, user, async (k) => (await this.deps.blobs.stream(k))?.body ?? null),
    );
    const expiresAt = new Date(this.now().getTime() + (this.deps.ttlMs ?? EXPORT_TTL_MS));
    const notificationId = await this.deps.db.transaction(async (tx) => {
      if (!(await this.repo.markReady(row.id, { key, size, expiresAt }, tx))) return null;
      return this.repo.notifyReady(row, tx);
    });
    if (notificationId) await this.deps.notifier.announce(notificationId);
    // The row went while the zip was written (its account deleted): the zip must not outlive it.
    else if (!(await this.repo.findById(row.id))) await this.deps.blobs.delete([key]);
  }

  /** The job was given up: the export fails, so its owner can ask again. */
  async fail(exportId: string): Promise<void> {
    await this.repo.markFailed(exportId);
  }

  /** Housekeeping: expired zips and their rows (and failed tries a day old); how many went. */
  async pruneExpired(now = this.now()): Promise<number> {
    let pruned = 0;
    for (;;) {
      const batch = await this.repo.expired(now, 100);
      // Objects first: a crash between leaves rows that the next sweep finds again.
      await this.deps.blobs.delete(batch.map((e) => e.key ?? exportKey(e.userId, e.id)));
      await this.repo.deleteMany(batch.map((e) => e.id));
      pruned += batch.length;
      if (batch.length < 100) return pruned;
    }
  }
}
