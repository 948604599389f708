import type { Dataset } from './dataset.ts';
import { seededRandom } from './random.ts';

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

/** Logs one user in through the API (POST /api/v1/sessions), as a client would; returns the bearer token. */
export async function logInOne(baseUrl: string, username: string, password: string): Promise<string> {
  const res = await fetch(new URL('/api/v1/sessions', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`log-in of ${username} answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { token?: unknown };
  if (typeof body.token !== 'string') throw new Error(`log-in of ${username} returned no token`);
  return body.token;
}

/** Logs each user in, one after another; returns their bearer tokens in the same order. */
export async function logIn(baseUrl: string, usernames: string[], password: string): Promise<string[]> {
  const tokens: string[] = [];
  for (const username of usernames) tokens.push(await logInOne(baseUrl, username, password));
  return tokens;
}
