import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '@graminsta/contracts';
import type { UserEvent } from '@graminsta/contracts';
import { createTestApp, type TestApp } from '../../testing/test-app.ts';
import {
  ACCOUNTS,
  VIEWERS,
  buildWorld,
  notificationFrom,
  type AccountKind,
  type AccountWorld,
  type Member,
  type ViewerKind,
  type World,
} from './visibility.world.ts';

/**
 * THE visibility table (issue 11): every read endpoint of the endpoint table, and the socket,
 * against every kind of viewer and of account. A cell is one letter:
 *   V visible · H hidden (404) · P private (403 `private`) · A absent from the list
 *   U sign-in required (401) · - does not apply (no such viewer for that account).
 * Each row lists the four accounts in order: public, private, suspended, deleted.
 */
type Cell = 'V' | 'H' | 'P' | 'A' | 'U';
type Row = Record<ViewerKind, string>;
type Probe = (ctx: { t: TestApp; w: World; viewer: Member | null; account: AccountWorld }) => Promise<Cell>;

// Shared rows: the same rules seen from several endpoints.
const OWNERS_CONTENT: Row = {
  anonymous: 'VPHH',
  owner: 'VV--',
  follower: 'VVHH',
  nonFollower: 'VPHH',
  blocked: 'HHHH',
  blocker: 'HHHH',
  muted: 'VVHH',
  moderator: 'VPHH',
};
const PRESENT_TO_ALL: Row = {
  anonymous: 'VVAA',
  owner: 'VV--',
  follower: 'VVAA',
  nonFollower: 'VVAA',
  blocked: 'AAAA',
  blocker: 'AAAA',
  muted: 'VVAA',
  moderator: 'VVAA',
};
const PUBLIC_LISTS: Row = {
  anonymous: 'VAAA',
  owner: 'VV--',
  follower: 'VVAA',
  nonFollower: 'VAAA',
  blocked: 'AAAA',
  blocker: 'AAAA',
  muted: 'VVAA',
  moderator: 'VAAA',
};
const HEARD_FROM: Row = {
  anonymous: 'UUUU',
  owner: '----',
  follower: 'VVAA',
  nonFollower: 'VVAA',
  blocked: 'AAAA',
  blocker: 'AAAA',
  muted: 'AAAA',
  moderator: 'VVAA',
};

async function get(t: TestApp, viewer: Member | null, url: string) {
  const headers = viewer ? { authorization: `Bearer ${viewer.token}` } : undefined;
  const res = await t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers });
  return {
    status: res.statusCode,
    body: res.json() as { items?: Array<Record<string, unknown>> } & Record<string, unknown>,
  };
}

/** A single resource: its status says the cell. */
const single =
  (url: (w: World, a: AccountWorld) => string): Probe =>
  async ({ t, w, viewer, account }) => {
    const { status, body } = await get(t, viewer, url(w, account));
    if (status === 200) return 'V';
    if (status === 404) return 'H';
    if (status === 401) return 'U';
    if (status === 403 && (body.error as { code: string }).code === 'private') return 'P';
    throw new Error(`unexpected ${status} ${JSON.stringify(body)}`);
  };

/** A list: whether the account's item is in it. */
const listed =
  (
    url: (w: World, a: AccountWorld) => string,
    isIt: (item: Record<string, unknown>, a: AccountWorld) => boolean,
  ): Probe =>
  async ({ t, w, viewer, account }) => {
    const { status, body } = await get(t, viewer, url(w, account));
    if (status === 401) return 'U';
    if (status !== 200) throw new Error(`unexpected ${status} ${JSON.stringify(body)}`);
    return body.items!.some((item) => isIt(item, account)) ? 'V' : 'A';
  };

const thePost = (item: Record<string, unknown>, a: AccountWorld) => item.id === a.postId;

/** Socket events, replayed from the log and live, through the same EventService the /ws gateway uses. */
const replayed: Probe = async ({ t, viewer, account }) => {
  const events = await t.comp.services.events.since(viewer!.id, '1');
  return events.some((e) => e.type === 'notification' && e.data.actor.id === account.id) ? 'V' : 'A';
};
const live: Probe = async ({ t, viewer, account }) => {
  const events = t.comp.services.events;
  const seen: UserEvent[] = [];
  let sentinel!: () => void;
  const done = new Promise<void>((resolve) => (sentinel = resolve));
  const stop = await events.subscribe(viewer!.id, (e) => {
    seen.push(e);
    if (e.type === 'photo.failed') sentinel();
  });
  try {
    await events.publish(viewer!.id, 'notification', notificationFrom(account, account.postId));
    // Events are checked and delivered in order: once this one arrives, the one before was decided.
    await events.publish(viewer!.id, 'photo.failed', { photoId: account.postId, reason: 'sentinel' });
    await done;
  } finally {
    await stop();
  }
  return seen.some((e) => e.type === 'notification' && e.data.actor.id === account.id) ? 'V' : 'A';
};

type Entry = { own: string } | Array<{ reads: string; probe: Probe; expect: Row }>;

/** One entry per GET endpoint of the table (a new one without an entry fails below), and the socket. */
const table: Record<string, Entry> = {
  getMe: { own: 'the caller’s own account only' },
  getSession: { own: 'the caller’s own session only' },
  listFollowRequests: { own: 'requests to the caller’s own account (a block ends them both ways)' },
  latestExport: { own: 'the caller’s own export only' },
  listSessions: { own: 'the caller’s own devices only' },
  listReports: { own: 'the moderation queue: moderators only, the reported content shown by design' },
  opsCharts: { own: 'the operations charts: moderators only, aggregates by tier with no account in them' },
  getProfile: [
    {
      reads: 'profile',
      probe: single((_, a) => `/users/${a.username}`),
      // The blocker still sees the profile it blocked, to undo the block.
      expect: {
        ...OWNERS_CONTENT,
        anonymous: 'VVHH',
        nonFollower: 'VVHH',
        moderator: 'VVHH',
        blocker: 'VVHH',
      },
    },
  ],
  listUserPhotos: [
    { reads: 'posts', probe: single((_, a) => `/users/${a.username}/photos`), expect: OWNERS_CONTENT },
  ],
  listFollowers: [
    { reads: 'followers', probe: single((_, a) => `/users/${a.username}/followers`), expect: OWNERS_CONTENT },
  ],
  listFollowing: [
    { reads: 'following', probe: single((_, a) => `/users/${a.username}/following`), expect: OWNERS_CONTENT },
  ],
  searchUsers: [
    {
      reads: 'profile in search',
      probe: listed(
        (_, a) => `/search/users?q=${a.username}`,
        (item, a) => item.id === a.id,
      ),
      expect: PRESENT_TO_ALL,
    },
  ],
  getPhoto: [{ reads: 'post', probe: single((_, a) => `/photos/${a.postId}`), expect: OWNERS_CONTENT }],
  listComments: [
    {
      reads: 'comments of the post',
      probe: single((_, a) => `/photos/${a.postId}/comments`),
      expect: OWNERS_CONTENT,
    },
    {
      reads: 'comment on a third party’s post',
      probe: listed(
        (w) => `/photos/${w.tomPostId}/comments`,
        (item, a) => item.id === a.commentId,
      ),
      expect: PRESENT_TO_ALL,
    },
  ],
  listSaved: [
    {
      reads: 'saved post',
      probe: listed(() => '/me/saved', thePost),
      expect: { ...PUBLIC_LISTS, anonymous: 'UUUU' },
    },
  ],
  feed: [
    {
      reads: 'post in the home feed',
      probe: listed(() => '/feed', thePost),
      // Only the follower's feed has them; the muted viewer follows too, but muted them.
      expect: { ...PUBLIC_LISTS, anonymous: 'UUUU', nonFollower: 'AAAA', muted: 'AAAA', moderator: 'AAAA' },
    },
  ],
  explore: [{ reads: 'post in explore', probe: listed(() => '/explore', thePost), expect: PUBLIC_LISTS }],
  tag: [{ reads: 'post under #vis', probe: listed(() => '/tags/vis', thePost), expect: PUBLIC_LISTS }],
  notifications: [
    {
      reads: 'notification from the account',
      probe: listed(
        () => '/notifications',
        (item, a) => (item.actor as { id: string }).id === a.id,
      ),
      expect: HEARD_FROM,
    },
  ],
  'socket: replay': [
    { reads: 'notification event', probe: replayed, expect: { ...HEARD_FROM, anonymous: '----' } },
  ],
  'socket: live': [
    { reads: 'notification event', probe: live, expect: { ...HEARD_FROM, anonymous: '----' } },
  ],
};

const cells = Object.entries(table).flatMap(([endpoint, entry]) =>
  'own' in entry
    ? []
    : entry.flatMap(({ reads, probe, expect: row }) =>
        VIEWERS.flatMap((viewer) =>
          ACCOUNTS.flatMap((account, i) => {
            const cell = row[viewer][i]!;
            return cell === '-' ? [] : [{ endpoint, reads, viewer, account, cell: cell as Cell, probe }];
          }),
        ),
      ),
);

describe('the visibility table', () => {
  let t: TestApp;
  let w: World;

  beforeAll(async () => {
    t = await createTestApp();
    w = await buildWorld(t);
  }, 120_000);
  afterAll(() => t.close());

  it('has an entry for every GET endpoint of the table, and nothing else', () => {
    const reads = Object.entries(endpoints)
      .filter(([, e]) => e.method === 'GET')
      .map(([name]) => name);
    expect(
      Object.keys(table)
        .filter((k) => !k.startsWith('socket'))
        .sort(),
    ).toEqual(reads.sort());
  });

  it(`holds in each of its ${cells.length} cells`, async () => {
    console.log(`visibility table: ${cells.length} cells`);
    expect(cells.length).toBe(CELL_COUNT);
    const wrong: string[] = [];
    for (const c of cells) {
      const viewer = w.viewer(c.viewer as ViewerKind, c.account as AccountKind);
      const got = await c.probe({ t, w, viewer, account: w.accounts[c.account] });
      if (got !== c.cell)
        wrong.push(`${c.endpoint} (${c.reads}), ${c.viewer} × ${c.account}: ${got}, expected ${c.cell}`);
    }
    expect(wrong).toEqual([]);
  }, 300_000);
});

// Stated, so a row dropped or emptied by mistake shows as a changed size.
const CELL_COUNT = 436;
