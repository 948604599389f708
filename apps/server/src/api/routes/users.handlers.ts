import type { Handlers } from './handler.ts';

export const userHandlers = {
  getProfile: async ({ params, userId, services }) => services.users.getProfile(params.username, userId),
  listUserPhotos: async ({ params, query, userId, services }) =>
    services.photos.listByUser(params.username, userId, query),
  listFollowers: async ({ params, query, userId, services }) =>
    services.users.followers(params.username, userId, query),
  listFollowing: async ({ params, query, userId, services }) =>
    services.users.following(params.username, userId, query),
  follow: async ({ params, userId, services }) => services.users.follow(userId, params.username),
  unfollow: async ({ params, userId, services }) => services.users.unfollow(userId, params.username),
  searchUsers: async ({ query, userId, services }) => services.users.search(query.q, userId, query),
} satisfies Partial<Handlers>;

/** Follow requests (the owner's side), blocks and mutes. */
export const relationHandlers = {
  listFollowRequests: async ({ query, userId, services }) =>
    services.relations.listFollowRequests(userId, query),
  acceptFollowRequest: async ({ params, userId, services }) =>
    services.relations.acceptFollowRequest(userId, params.username),
  declineFollowRequest: async ({ params, userId, services }) =>
    services.relations.declineFollowRequest(userId, params.username),
  block: async ({ params, userId, services }) => services.relations.block(userId, params.username),
  unblock: async ({ params, userId, services }) => services.relations.unblock(userId, params.username),
  mute: async ({ params, userId, services }) => services.relations.mute(userId, params.username),
  unmute: async ({ params, userId, services }) => services.relations.unmute(userId, params.username),
} satisfies Partial<Handlers>;
