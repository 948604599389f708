import { z } from 'zod';
import { Id } from './common.ts';
import { Email } from './safety.ts';
import { text } from './text.ts';
import { Password } from './users.ts';

/** A mailed token: 32 random bytes in base64url (43 characters); anything else is refused with 400. */
export const MailToken = text()
  .min(43)
  .max(43)
  .regex(/^[A-Za-z0-9_-]{43}$/, 'must be a link token');

export const TokenParams = z.object({ token: MailToken });
export type TokenParams = z.infer<typeof TokenParams>;

/** A new address for the account: unverified until its mailed link is followed. */
export const ChangeEmailBody = z.object({ email: Email });
export type ChangeEmailBody = z.infer<typeof ChangeEmailBody>;

/** Asks for a reset link; the answer is the same whether or not an account has the address. */
export const PasswordResetRequestBody = z.object({ email: Email });
export type PasswordResetRequestBody = z.infer<typeof PasswordResetRequestBody>;

export const PasswordResetBody = z.object({ password: Password });
export type PasswordResetBody = z.infer<typeof PasswordResetBody>;

export const ChangePasswordBody = z.object({
  // Checked against the stored hash only, so any old password (even one shorter than today's rule) works.
  currentPassword: text().min(1).max(200),
  newPassword: Password,
});
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

/** One signed-in device: a session of the caller. */
export const DeviceSession = z.object({
  id: Id,
  /** The client's User-Agent when it signed in (cut short); '' when it sent none. */
  client: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string(),
  /** This is the session the request came with. */
  current: z.boolean(),
});
export type DeviceSession = z.infer<typeof DeviceSession>;

export const DeviceSessionList = z.object({ items: z.array(DeviceSession) });
export type DeviceSessionList = z.infer<typeof DeviceSessionList>;

export const SessionIdParams = z.object({ id: Id });
export type SessionIdParams = z.infer<typeof SessionIdParams>;
