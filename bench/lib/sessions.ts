import type { Dataset } from './dataset.ts';
import { seededRandom } from '@graminsta/loadgen';

/**
 * Users whose home feed is typical of the site: they follow the celebrity and at least a few
 * other accounts, so the feed merges several authors.
 */
export function pickFeedUsers(data: Dataset, count: number): string[] {
  const celebrityId = data.users[0]!.id;
  const fans = new Set(data.follows.filter((f) => f.followeeId === celebrityId).map((f) => f.followerId));
  return data.users
    .filter((u) => fans.has(u.id) && u.followingCount >= 4)
    .slice(0, count)
    .map((u) => u.username);
}

/** Every photo id once, in a fixed shuffled order, so consecutive likes hit different photos and owners. */
export function shuffledPhotoIds(data: Dataset, seed: number): string[] {
  const random = seededRandom(seed);
  const ids = data.photos.map((p) => p.id);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids;
}
