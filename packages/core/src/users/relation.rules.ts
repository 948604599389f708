import type { Db } from '@graminsta/platform';
import { AppError, notFound } from '../errors.ts';
import type { RelationshipRepository } from './relationship.repository.ts';

/**
 * A blocked user may not reach the blocker: they get the same 404 as for an unknown account,
 * since the blocker's profile is hidden from them. The blocker knows of their own block, so they
 * get a 409 that tells them to lift it first.
 */
export async function assertMayFollow(
  relations: RelationshipRepository,
  viewerId: string,
  targetId: string,
  tx: Db,
): Promise<void> {
  await assertNotBlockedBy(relations, viewerId, targetId, tx);
  if (await relations.isBlocked(viewerId, targetId, tx))
    throw new AppError('conflict', 'you block this account: unblock it first');
}

/** The account `targetId` blocked `viewerId`: to the viewer it does not exist. */
export async function assertNotBlockedBy(
  relations: RelationshipRepository,
  viewerId: string,
  targetId: string,
  tx?: Db,
): Promise<void> {
  if (await relations.isBlocked(targetId, viewerId, tx)) throw notFound('user');
}
