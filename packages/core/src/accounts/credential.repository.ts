import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '@graminsta/platform';
import { users } from '../db/schema.ts';
import type { UserRow } from '../users/user.repository.ts';

const lowerEmail = sql`lower(${users.email})`;

/** The account columns that prove who someone is: e-mail address, its verification, password hash. */
export class CredentialRepository {
  constructor(private readonly db: Db) {}

  /** Case-blind, as the unique index on lower(email) compares. */
  async findByEmail(email: string): Promise<UserRow | null> {
    const [row] = await this.db
      .select()
      .from(users)
      .where(sql`${lowerEmail} = ${email.toLowerCase()}`);
    return row ?? null;
  }

  /** A new address starts unverified; the unique index refuses one another account has. */
  async setEmail(userId: string, email: string, tx: Db): Promise<UserRow | null> {
    const [row] = await tx
      .update(users)
      .set({ email, emailVerifiedAt: null })
      .where(eq(users.id, userId))
      .returning();
    return row ?? null;
  }

  /** Verifies the address only if the account still has it: a link to an old address verifies nothing. */
  async markVerified(userId: string, email: string, now: Date, tx: Db): Promise<boolean> {
    const rows = await tx
      .update(users)
      .set({ emailVerifiedAt: now })
      .where(and(eq(users.id, userId), sql`${lowerEmail} = ${email.toLowerCase()}`, isNull(users.deletedAt)))
      .returning({ id: users.id });
    return rows.length > 0;
  }

  async setPasswordHash(userId: string, passwordHash: string, tx: Db): Promise<boolean> {
    const rows = await tx
      .update(users)
      .set({ passwordHash })
      .where(and(eq(users.id, userId), isNull(users.deletedAt)))
      .returning({ id: users.id });
    return rows.length > 0;
  }
}
