import { z } from 'zod';
import { Id } from './common.ts';
import { text } from './text.ts';
import { UserSummary } from './users.ts';

export const UPLOAD_CONTENT_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/avif',
] as const;
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

export const CreateUploadBody = z.object({
  contentType: text().min(1).max(100),
  size: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});
export type CreateUploadBody = z.infer<typeof CreateUploadBody>;

export const UploadTarget = z.object({
  uploadId: Id,
  upload: z.object({
    method: z.enum(['PUT', 'POST']),
    url: z.string(),
    headers: z.record(z.string(), z.string()).optional(),
    fields: z.record(z.string(), z.string()).optional(),
  }),
  expiresAt: z.string(),
});
export type UploadTarget = z.infer<typeof UploadTarget>;

export const CreatePhotoBody = z.object({
  uploadId: Id,
  caption: text({ multiline: true }).max(2200).optional(),
  altText: text().max(1000).optional(),
});
export type CreatePhotoBody = z.infer<typeof CreatePhotoBody>;

export const VARIANT_NAMES = ['thumb', 'w640', 'w1080', 'w2048'] as const;
export type VariantName = (typeof VARIANT_NAMES)[number];

export const Variant = z.object({
  url: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  /** The same picture as AVIF (smaller at equal quality); width variants of photos processed since it exists. */
  avifUrl: z.string().optional(),
});
export type Variant = z.infer<typeof Variant>;

export const PhotoStatus = z.enum(['processing', 'ready', 'failed']);
export type PhotoStatus = z.infer<typeof PhotoStatus>;

export const Photo = z.object({
  id: Id,
  owner: UserSummary,
  caption: z.string(),
  altText: z.string(),
  tags: z.array(z.string()),
  status: PhotoStatus,
  failureReason: z.string().nullable(),
  /** URLs by size; null until the photo is ready. */
  variants: z.object({ thumb: Variant, w640: Variant, w1080: Variant, w2048: Variant.optional() }).nullable(),
  placeholderColor: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  likeCount: z.number().int(),
  commentCount: z.number().int(),
  likedByMe: z.boolean(),
  createdAt: z.string(),
});
export type Photo = z.infer<typeof Photo>;

export const PhotoParams = z.object({ id: Id });

export const TagParams = z.object({
  tag: text()
    .min(1)
    .max(100)
    .regex(/^[\p{L}\p{N}_]+$/u, 'tag may hold only letters, digits and "_"'),
});

export const LikeState = z.object({ liked: z.boolean(), likeCount: z.number().int() });
export type LikeState = z.infer<typeof LikeState>;
