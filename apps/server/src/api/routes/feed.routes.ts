import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  MarkReadBody,
  NotificationPage,
  PageQuery,
  Photo,
  TagParams,
  UnreadCount,
  page,
} from '@graminsta/contracts';
import type { Services } from '@graminsta/core';
import { requireUser } from '../auth.ts';

export const feedRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/feed',
    {
      config: { auth: 'required' },
      schema: { summary: 'Home feed', querystring: PageQuery, response: { 200: page(Photo) } },
    },
    async (request) => services.feed.home(requireUser(request), request.query),
  );

  app.get(
    '/explore',
    {
      config: { auth: 'optional' },
      schema: { summary: 'Recent public photos', querystring: PageQuery, response: { 200: page(Photo) } },
    },
    async (request) => services.feed.explore(request.userId, request.query),
  );

  app.get(
    '/tags/:tag',
    {
      config: { auth: 'optional' },
      schema: {
        summary: 'Photos by #tag',
        params: TagParams,
        querystring: PageQuery,
        response: { 200: page(Photo) },
      },
    },
    async (request) => services.feed.tag(request.params.tag.toLowerCase(), request.userId, request.query),
  );

  app.get(
    '/notifications',
    {
      config: { auth: 'required' },
      schema: { summary: 'Notifications', querystring: PageQuery, response: { 200: NotificationPage } },
    },
    async (request) => services.notifications.list(requireUser(request), request.query),
  );

  app.post(
    '/notifications/read',
    {
      config: { auth: 'required' },
      schema: { summary: 'Mark notifications read', body: MarkReadBody, response: { 200: UnreadCount } },
    },
    async (request) => services.notifications.markRead(requireUser(request), request.body?.upTo),
  );
};
