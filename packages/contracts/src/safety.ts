import { z } from 'zod';
import { text } from './text.ts';

/** What can be reported. */
export const REPORT_TARGET_TYPES = ['photo', 'comment', 'user'] as const;
export const ReportTargetType = z.enum(REPORT_TARGET_TYPES);
export type ReportTargetType = z.infer<typeof ReportTargetType>;

/** A moderator's decision on a report. */
export const REPORT_ACTIONS = ['dismiss', 'remove', 'suspend'] as const;
export const ReportAction = z.enum(REPORT_ACTIONS);
export type ReportAction = z.infer<typeof ReportAction>;

/** Where a report stands: open, or the action that closed it. */
export const REPORT_STATUSES = ['open', 'dismissed', 'removed', 'suspended'] as const;
export const ReportStatus = z.enum(REPORT_STATUSES);
export type ReportStatus = z.infer<typeof ReportStatus>;

export const Role = z.enum(['user', 'moderator']);
export type Role = z.infer<typeof Role>;

/** An e-mail address: one line, a local part, an @ and a dotted domain; compared case-blind. */
export const Email = text()
  .trim()
  .max(254, 'e-mail address must be at most 254 characters')
  .regex(/^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/, 'must be an e-mail address');
