import type { Handlers } from './handler.ts';

export const photoHandlers = {
  createUpload: async ({ body, userId, services }) => services.photos.createUpload(userId, body),
  signUploadParts: async ({ params, body, userId, services }) =>
    services.photos.signUploadParts(userId, params.id, body),
  completeUpload: async ({ params, userId, services }) => services.photos.completeUpload(userId, params.id),
  createPhoto: async ({ body, userId, services }) => services.photos.createPhoto(userId, body),
  getPhoto: async ({ params, userId, services }) => services.photos.getPhoto(params.id, userId),
  editPhoto: async ({ params, body, userId, services }) => services.photos.editPhoto(userId, params.id, body),
  deletePhoto: async ({ params, userId, services }) => {
    await services.photos.deletePhoto(userId, params.id);
    return { ok: true };
  },
  like: async ({ params, userId, services }) => services.photos.like(userId, params.id),
  unlike: async ({ params, userId, services }) => services.photos.unlike(userId, params.id),
  save: async ({ params, userId, services }) => services.photos.save(userId, params.id),
  unsave: async ({ params, userId, services }) => services.photos.unsave(userId, params.id),
  listSaved: async ({ query, userId, services }) => services.photos.listSaved(userId, query),
  // The comment service answers not found for a photo the caller may not see.
  listComments: async ({ params, query, userId, services }) =>
    services.comments.list(params.id, userId, query),
  addComment: async ({ params, body, userId, services }) =>
    services.comments.create(userId, params.id, body.body),
  deleteComment: async ({ params, userId, services }) => {
    await services.comments.delete(userId, params.id);
    return { ok: true };
  },
} satisfies Partial<Handlers>;
