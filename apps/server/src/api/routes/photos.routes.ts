import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  Comment,
  CommentParams,
  CreateCommentBody,
  CreatePhotoBody,
  CreateUploadBody,
  ErrorBody,
  LikeState,
  Ok,
  PageQuery,
  Photo,
  PhotoParams,
  UploadTarget,
  page,
} from '@graminsta/contracts';
import type { Services } from '@graminsta/core';
import { requireUser } from '../auth.ts';

export const photoRoutes: FastifyPluginAsyncZod<{ services: Services }> = async (app, { services }) => {
  app.post(
    '/uploads',
    {
      config: { auth: 'required', rateLimit: 'upload' },
      schema: {
        summary: 'Where to send photo bytes',
        body: CreateUploadBody,
        response: { 201: UploadTarget },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await services.photos.createUpload(requireUser(request), request.body)),
  );

  app.post(
    '/photos',
    {
      config: { auth: 'required', rateLimit: 'photo' },
      // 404: no such upload of the caller's.
      schema: {
        summary: 'Create a photo from an upload',
        body: CreatePhotoBody,
        response: { 202: Photo, 404: ErrorBody },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await services.photos.createPhoto(requireUser(request), request.body)),
  );

  app.get(
    '/photos/:id',
    {
      config: { auth: 'optional' },
      schema: { summary: 'One photo', params: PhotoParams, response: { 200: Photo } },
    },
    async (request) => services.photos.getPhoto(request.params.id, request.userId),
  );

  app.delete(
    '/photos/:id',
    {
      config: { auth: 'required' },
      schema: { summary: 'Delete own photo', params: PhotoParams, response: { 200: Ok } },
    },
    async (request) => {
      await services.photos.deletePhoto(requireUser(request), request.params.id);
      return { ok: true as const };
    },
  );

  app.put(
    '/photos/:id/like',
    {
      config: { auth: 'required', rateLimit: 'like' },
      schema: { summary: 'Like', params: PhotoParams, response: { 200: LikeState } },
    },
    async (request) => services.photos.like(requireUser(request), request.params.id),
  );

  app.delete(
    '/photos/:id/like',
    {
      config: { auth: 'required', rateLimit: 'like' },
      schema: { summary: 'Unlike', params: PhotoParams, response: { 200: LikeState } },
    },
    async (request) => services.photos.unlike(requireUser(request), request.params.id),
  );

  app.get(
    '/photos/:id/comments',
    {
      config: { auth: 'optional' },
      schema: {
        summary: 'Comments, oldest first',
        params: PhotoParams,
        querystring: PageQuery,
        response: { 200: page(Comment) },
      },
    },
    async (request) => services.comments.list(request.params.id, request.userId, request.query),
  );

  app.post(
    '/photos/:id/comments',
    {
      config: { auth: 'required', rateLimit: 'comment' },
      schema: {
        summary: 'Comment',
        params: PhotoParams,
        body: CreateCommentBody,
        response: { 201: Comment },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await services.comments.create(requireUser(request), request.params.id, request.body.body)),
  );

  app.delete(
    '/comments/:id',
    {
      config: { auth: 'required' },
      schema: { summary: 'Delete a comment', params: CommentParams, response: { 200: Ok } },
    },
    async (request) => {
      await services.comments.delete(requireUser(request), request.params.id);
      return { ok: true as const };
    },
  );
};
