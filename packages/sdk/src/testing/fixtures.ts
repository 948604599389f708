import type { Notification, Photo, UserEvent, UserSummary } from '@graminsta/contracts';

export const ann: UserSummary = { id: '100', username: 'ann', displayName: 'Ann', avatarUrl: null };
export const bob: UserSummary = { id: '200', username: 'bob', displayName: 'Bob', avatarUrl: null };

/** A ready photo of Bob's with three variants on cdn.test. */
export function photo(id: string, extra: Partial<Photo> = {}): Photo {
  const variant = (size: string, w: number) => ({
    url: `https://cdn.test/${id}/${size}.webp`,
    width: w,
    height: w,
  });
  const variants = {
    thumb: variant('thumb', 320),
    w640: variant('w640', 640),
    w1080: variant('w1080', 1080),
    w2048: variant('w2048', 2048),
  };
  return {
    id,
    owner: bob,
    caption: `photo ${id}`,
    altText: `alt ${id}`,
    tags: [],
    status: 'ready',
    failureReason: null,
    variants,
    placeholderColor: '#336699',
    width: 2048,
    height: 2048,
    likeCount: 0,
    commentCount: 0,
    likedByMe: false,
    savedByMe: false,
    media: [
      {
        id: `${id}1`,
        status: 'ready',
        failureReason: null,
        variants,
        width: 2048,
        height: 2048,
        placeholder: '#336699',
        altText: `alt ${id}`,
      },
    ],
    createdAt: '2026-01-01T00:00:00Z',
    editedAt: null,
    ...extra,
  };
}

/** Bob followed you. */
export function notification(id: string, extra: Partial<Notification> = {}): Notification {
  return {
    id,
    type: 'follow',
    actor: bob,
    photo: null,
    comment: null,
    report: null,
    export: null,
    read: false,
    createdAt: '2026-01-01T00:00:00Z',
    ...extra,
  };
}

/** Socket events as the server sends them, `id` being the event's id. */
export const events = {
  ready: (id: string, p: Photo): UserEvent => ({ id, type: 'photo.ready', data: { photo: p } }),
  failed: (id: string, photoId: string, reason: string): UserEvent => ({
    id,
    type: 'photo.failed',
    data: { photoId, reason },
  }),
  notification: (id: string, n = notification(`9${id}`)): UserEvent => ({
    id,
    type: 'notification',
    data: n,
  }),
};
