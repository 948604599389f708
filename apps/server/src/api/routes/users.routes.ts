import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  FollowState,
  PageQuery,
  Photo,
  Profile,
  SearchQuery,
  UserSummary,
  UsernameParams,
  page,
} from '@graminsta/contracts';
import type { Services } from '@graminsta/core';
import { requireUser } from '../auth.ts';

export const userRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/users/:username',
    {
      config: { auth: 'optional' },
      schema: { summary: 'Profile', params: UsernameParams, response: { 200: Profile } },
    },
    async (request) => services.users.getProfile(request.params.username, request.userId),
  );

  app.get(
    '/users/:username/photos',
    {
      config: { auth: 'optional' },
      schema: {
        summary: "A user's photos",
        params: UsernameParams,
        querystring: PageQuery,
        response: { 200: page(Photo) },
      },
    },
    async (request) => services.photos.listByUser(request.params.username, request.userId, request.query),
  );

  for (const list of ['followers', 'following'] as const) {
    app.get(
      `/users/:username/${list}`,
      {
        config: { auth: 'none' },
        schema: {
          summary: list === 'followers' ? 'Followers' : 'Accounts followed',
          params: UsernameParams,
          querystring: PageQuery,
          response: { 200: page(UserSummary) },
        },
      },
      async (request) => services.users[list](request.params.username, request.query),
    );
  }

  app.put(
    '/users/:username/follow',
    {
      config: { auth: 'required', rateLimit: 'follow' },
      schema: { summary: 'Follow', params: UsernameParams, response: { 200: FollowState } },
    },
    async (request) => services.users.follow(requireUser(request), request.params.username),
  );

  app.delete(
    '/users/:username/follow',
    {
      config: { auth: 'required', rateLimit: 'follow' },
      schema: { summary: 'Unfollow', params: UsernameParams, response: { 200: FollowState } },
    },
    async (request) => services.users.unfollow(requireUser(request), request.params.username),
  );

  app.get(
    '/search/users',
    {
      config: { auth: 'none' },
      schema: {
        summary: 'Accounts by username prefix',
        querystring: SearchQuery,
        response: { 200: z.object({ items: z.array(UserSummary), nextCursor: z.string().nullable() }) },
      },
    },
    async (request) => services.users.search(request.query.q, request.query),
  );
};
