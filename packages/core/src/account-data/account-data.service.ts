import type { AccountDeletion, AccountExport, LatestExport } from '@graminsta/contracts';
import type { AccountDataService } from '../services.ts';
import type { DeletionRunOptions, DeletionService } from './deletion.service.ts';
import type { ExportDownload, ExportService } from './export.service.ts';

/** The account-data face of the service layer: exports and deletion, each in its own service. */
export class AccountDataServiceImpl implements AccountDataService {
  constructor(
    private readonly exports: ExportService,
    private readonly deletion: DeletionService,
  ) {}

  requestExport(userId: string): Promise<AccountExport> {
    return this.exports.request(userId);
  }
  latestExport(userId: string): Promise<LatestExport> {
    return this.exports.latest(userId);
  }
  downloadExport(userId: string, exportId: string): Promise<ExportDownload> {
    return this.exports.download(userId, exportId);
  }
  buildExport(exportId: string): Promise<void> {
    return this.exports.build(exportId);
  }
  failExport(exportId: string): Promise<void> {
    return this.exports.fail(exportId);
  }
  pruneExports(): Promise<number> {
    return this.exports.pruneExpired();
  }
  deleteAccount(userId: string, password: string): Promise<AccountDeletion> {
    return this.deletion.requestDeletion(userId, password);
  }
  runDeletion(userId: string, opts?: DeletionRunOptions): Promise<void> {
    return this.deletion.run(userId, opts);
  }
  resumeDeletions(): Promise<number> {
    return this.deletion.resumeUnfinished();
  }
}
