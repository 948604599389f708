import { z } from 'zod';
import { Id } from './common.ts';
import { Email, Role } from './safety.ts';
import { text } from './text.ts';

export const USERNAME_PATTERN = /^[A-Za-z0-9_.]{3,30}$/;

export const Username = text()
  .min(3, 'username must be 3 to 30 characters')
  .max(30, 'username must be 3 to 30 characters')
  .regex(/^[A-Za-z0-9_.]+$/, 'username may hold only letters, digits, "_" and "."');

export const Password = text()
  .min(8, 'password must be at least 8 characters')
  .max(200, 'password must be at most 200 characters');

export const DisplayName = text().trim().max(60);
export const Bio = text({ multiline: true }).max(300);

export const UserSummary = z.object({
  id: Id,
  username: z.string(),
  displayName: z.string(),
  avatarUrl: z.string().nullable(),
});
export type UserSummary = z.infer<typeof UserSummary>;

export const Profile = UserSummary.extend({
  bio: z.string(),
  followerCount: z.number().int(),
  followingCount: z.number().int(),
  photoCount: z.number().int(),
  /** Whether the signed-in caller follows this account; false when signed out. */
  followedByMe: z.boolean(),
  /** Posts, followers and following are shown to accepted followers only. */
  private: z.boolean(),
  /** The caller asked to follow this private account and the owner has not decided yet. */
  requestedByMe: z.boolean(),
  blockedByMe: z.boolean(),
  mutedByMe: z.boolean(),
  createdAt: z.string(),
});
export type Profile = z.infer<typeof Profile>;

export const Me = Profile.extend({
  email: z.string().nullable(),
  emailVerified: z.boolean(),
  role: Role,
});
export type Me = z.infer<typeof Me>;

export const SignUpBody = z.object({
  username: Username,
  password: Password,
  displayName: DisplayName.optional(),
  /** Where a verification link, and later password resets, are mailed. */
  email: Email.optional(),
});
export type SignUpBody = z.infer<typeof SignUpBody>;

export const LogInBody = z.object({
  username: text().min(1).max(30),
  password: text().min(1).max(200),
});
export type LogInBody = z.infer<typeof LogInBody>;

export const SessionResponse = z.object({ user: Me, token: z.string() });
export type SessionResponse = z.infer<typeof SessionResponse>;

/** Who the caller is, if anyone: a signed-out visitor is an answer (null), not an error. */
export const CurrentSession = z.object({ user: Me.nullable() });
export type CurrentSession = z.infer<typeof CurrentSession>;

export const PatchMeBody = z
  .object({
    displayName: DisplayName.optional(),
    bio: Bio.optional(),
    /** One of your own ready photos becomes the avatar; null removes it. */
    avatarPhotoId: Id.nullable().optional(),
    /** Making an account public accepts every pending follow request. */
    private: z.boolean().optional(),
  })
  .strict();
export type PatchMeBody = z.infer<typeof PatchMeBody>;

export const UsernameParams = z.object({ username: Username });

export const SearchQuery = z.object({
  q: text().trim().min(1).max(30),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: text().max(200).optional(),
});
