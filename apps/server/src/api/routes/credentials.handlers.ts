import type { Handlers } from './handler.ts';

export const credentialHandlers = {
  changeEmail: async ({ userId, body, services }) => services.credentials.changeEmail(userId, body.email),
  verifyEmail: async ({ params, services }) => {
    await services.credentials.verifyEmail(params.token);
    return { ok: true };
  },
  requestPasswordReset: async ({ body, ip, services }) => {
    await services.credentials.requestPasswordReset(body.email, { ip });
    return { ok: true };
  },
  resetPassword: async ({ params, body, services }) => {
    await services.credentials.resetPassword(params.token, body.password);
    return { ok: true };
  },
  changePassword: async ({ userId, sessionToken, body, services }) => {
    await services.credentials.changePassword(userId, sessionToken, body);
    return { ok: true };
  },
  listSessions: async ({ userId, sessionToken, services }) =>
    services.credentials.listSessions(userId, sessionToken),
  endSession: async ({ userId, params, services }) => {
    await services.credentials.endSession(userId, params.id);
    return { ok: true };
  },
} satisfies Partial<Handlers>;
