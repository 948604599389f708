import { z } from 'zod';
import { Id } from './common.ts';
import { text } from './text.ts';

/** Where an account export stands: being prepared, ready to download, or given up. */
export const EXPORT_STATUSES = ['pending', 'ready', 'failed'] as const;
export const ExportStatus = z.enum(EXPORT_STATUSES);
export type ExportStatus = z.infer<typeof ExportStatus>;

/** One export of the caller's data; `url` and `expiresAt` are set once it is ready. */
export const AccountExport = z.object({
  id: Id,
  status: ExportStatus,
  /** Where the zip is downloaded (signed in as its owner), while it is kept. */
  url: z.string().nullable(),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
});
export type AccountExport = z.infer<typeof AccountExport>;

/** The latest export of the caller, if any. */
export const LatestExport = z.object({ export: AccountExport.nullable() });
export type LatestExport = z.infer<typeof LatestExport>;

export const ExportParams = z.object({ id: Id });
export type ExportParams = z.infer<typeof ExportParams>;

/** Deleting one's account asks for the password again: a left-open session alone cannot do it. */
export const DeleteMeBody = z.object({ password: text().min(1).max(200) }).strict();
export type DeleteMeBody = z.infer<typeof DeleteMeBody>;

/** The deletion is accepted: the account is gone at once, its data removed by a job. */
export const AccountDeletion = z.object({ status: z.literal('deleting') });
export type AccountDeletion = z.infer<typeof AccountDeletion>;

/** Where an export of `id` is downloaded from. */
export const exportDownloadPath = (id: string) => `/api/v1/me/exports/${id}`;
