import type { Handlers } from './handler.ts';

export const feedHandlers = {
  feed: async ({ query, userId, services }) => services.feed.home(userId, query),
  explore: async ({ query, userId, services }) => services.feed.explore(userId, query),
  tag: async ({ params, query, userId, services }) =>
    services.feed.tag(params.tag.toLowerCase(), userId, query),
  notifications: async ({ query, userId, services }) => services.notifications.list(userId, query),
  markNotificationsRead: async ({ body, userId, services }) =>
    services.notifications.markRead(userId, body?.upTo),
} satisfies Partial<Handlers>;
