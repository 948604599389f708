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
  /**
   * The client can send the file in parts and resume after a dropped connection. The answer is a
   * MULTIPART target when the store takes parts (object storage, stage 5) and the file is at least
   * MULTIPART_MIN_BYTES; otherwise the usual single target.
   */
  multipart: z.boolean().optional(),
});
export type CreateUploadBody = z.infer<typeof CreateUploadBody>;

/** Files this large or larger may be sent in parts; every part but the last is MULTIPART_PART_BYTES. */
export const MULTIPART_MIN_BYTES = 8 * 1024 * 1024;
export const MULTIPART_PART_BYTES = 5 * 1024 * 1024;

export const UploadTarget = z.object({
  uploadId: Id,
  upload: z.object({
    /**
     * PUT: send the file as the body, with `headers`. POST: a form with `fields` first and the
     * file last. MULTIPART: `url` is the API's parts endpoint; ask it for each part's URL, send
     * the parts, then complete the upload.
     */
    method: z.enum(['PUT', 'POST', 'MULTIPART']),
    url: z.string(),
    headers: z.record(z.string(), z.string()).optional(),
    fields: z.record(z.string(), z.string()).optional(),
    /** MULTIPART only: bytes per part (the last may be shorter) and how many parts. */
    partSize: z.number().int().optional(),
    partCount: z.number().int().optional(),
  }),
  expiresAt: z.string(),
});
export type UploadTarget = z.infer<typeof UploadTarget>;

export const SignPartsBody = z.object({
  /** The parts to send (again): each 1…partCount, at most 100 in one call. */
  partNumbers: z.array(z.number().int().min(1).max(10_000)).min(1).max(100),
});
export type SignPartsBody = z.infer<typeof SignPartsBody>;

export const UploadParts = z.object({
  /** A presigned PUT URL for each part asked for: send exactly that part's bytes as the body. */
  parts: z.array(z.object({ partNumber: z.number().int(), url: z.string() })),
  /** The parts the store already holds, so a resumed upload sends only the rest. */
  received: z.array(z.object({ partNumber: z.number().int(), size: z.number().int() })),
  expiresAt: z.string(),
});
export type UploadParts = z.infer<typeof UploadParts>;

export const CompletedUpload = z.object({ uploadId: Id, size: z.number().int() });
export type CompletedUpload = z.infer<typeof CompletedUpload>;

/** A post holds 1 to this many photos. */
export const MAX_MEDIA_PER_POST = 10;
const Caption = text({ multiline: true }).max(2200);
const AltText = text().max(1000);

export const MediaInput = z.object({ uploadId: Id, altText: AltText.optional() });
export type MediaInput = z.infer<typeof MediaInput>;

/**
 * Either the single-photo shape `{uploadId, altText?, caption?}` (kept working) or a post of
 * several photos `{media: [{uploadId, altText?}], caption?}`, in the order given.
 */
export const CreatePhotoBody = z
  .object({
    uploadId: Id.optional(),
    altText: AltText.optional(),
    media: z.array(MediaInput).min(1).max(MAX_MEDIA_PER_POST).optional(),
    caption: Caption.optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.uploadId === undefined) === (body.media === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either uploadId or media, not both', path: ['media'] });
    }
    if (body.media && body.altText !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'with media, alt text goes on each item', path: ['altText'] });
    }
    const ids = body.media?.map((m) => m.uploadId) ?? [];
    if (new Set(ids).size !== ids.length) {
      ctx.addIssue({ code: 'custom', message: 'each upload may appear once', path: ['media'] });
    }
  });
export type CreatePhotoBody = z.infer<typeof CreatePhotoBody>;

/**
 * The owner's edit of a post: a new caption, and/or `media` naming every item once, in the new
 * order, each with its alt text (left as it is when omitted).
 */
export const PatchPhotoBody = z
  .object({
    caption: Caption.optional(),
    media: z
      .array(z.object({ id: Id, altText: AltText.optional() }))
      .min(1)
      .max(MAX_MEDIA_PER_POST)
      .optional(),
  })
  .superRefine((body, ctx) => {
    if (body.caption === undefined && body.media === undefined) {
      ctx.addIssue({ code: 'custom', message: 'nothing to change: give caption and/or media' });
    }
    const ids = body.media?.map((m) => m.id) ?? [];
    if (new Set(ids).size !== ids.length) {
      ctx.addIssue({ code: 'custom', message: 'each item may appear once', path: ['media'] });
    }
  });
export type PatchPhotoBody = z.infer<typeof PatchPhotoBody>;

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

/** URLs by size; `w2048` is missing on photos processed before it existed. */
export const Variants = z.object({
  thumb: Variant,
  w640: Variant,
  w1080: Variant,
  w2048: Variant.optional(),
});
export type Variants = z.infer<typeof Variants>;

/** One photo of a post. */
export const PhotoMedia = z.object({
  id: Id,
  status: PhotoStatus,
  failureReason: z.string().nullable(),
  /** Null until this item is ready. */
  variants: Variants.nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  /** The dominant colour, shown until the image arrives. */
  placeholder: z.string().nullable(),
  altText: z.string(),
});
export type PhotoMedia = z.infer<typeof PhotoMedia>;

/**
 * A post of 1–10 photos. The single-photo fields (altText, variants, placeholderColor, width,
 * height) mirror the first item of `media`; status is the post's: ready when every item is,
 * failed when one failed (failureReason names it).
 */
export const Photo = z.object({
  id: Id,
  owner: UserSummary,
  caption: z.string(),
  altText: z.string(),
  tags: z.array(z.string()),
  status: PhotoStatus,
  failureReason: z.string().nullable(),
  /** The first item's URLs by size; null until the post is ready. */
  variants: Variants.nullable(),
  placeholderColor: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  likeCount: z.number().int(),
  commentCount: z.number().int(),
  likedByMe: z.boolean(),
  savedByMe: z.boolean(),
  media: z.array(PhotoMedia).min(1).max(MAX_MEDIA_PER_POST),
  createdAt: z.string(),
  /** When the owner last edited the caption, alt texts or order; null if never. */
  editedAt: z.string().nullable(),
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

/** Whether the caller has saved the post (bookmarks are private to their owner). */
export const SaveState = z.object({ saved: z.boolean() });
export type SaveState = z.infer<typeof SaveState>;
