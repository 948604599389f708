import type { HandlersOf } from './handler.ts';

type FeedEndpoints = 'feed' | 'explore' | 'tag' | 'notifications' | 'markNotificationsRead';

export const feedHandlers: HandlersOf<FeedEndpoints> = {
  feed: async ({ query, userId, services }) => services.feed.home(userId, query),
  explore: async ({ query, userId, services }) => services.feed.explore(userId, query),
  tag: async ({ params, query, userId, services }) =>
    services.feed.tag(params.tag.toLowerCase(), userId, query),
  notifications: async ({ query, userId, services }) => services.notifications.list(userId, query),
  markNotificationsRead: async ({ body, userId, services }) =>
    services.notifications.markRead(userId, body?.upTo),
};
