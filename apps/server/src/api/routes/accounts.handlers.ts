import type { Handlers } from './handler.ts';

export const accountHandlers = {
  signUp: async ({ body, ip, userAgent, services, cookie }) => {
    const session = await services.accounts.signUp(body, { ip, client: userAgent });
    cookie.set(session.token);
    return session;
  },
  logIn: async ({ body, ip, userAgent, services, cookie }) => {
    const session = await services.accounts.logIn(body, { ip, client: userAgent });
    cookie.set(session.token);
    return session;
  },
  logOut: async ({ sessionToken, services, cookie }) => {
    await services.accounts.logOut(sessionToken);
    cookie.clear();
    return { ok: true };
  },
  getMe: async ({ userId, services }) => services.accounts.getMe(userId),
  // The browser's start-up probe: signed out is a 200 too, so no page logs a 401 for it.
  getSession: async ({ userId, services }) => ({
    user: userId ? await services.accounts.getMe(userId) : null,
  }),
  updateMe: async ({ userId, body, services }) => services.accounts.updateMe(userId, body),
} satisfies Partial<Handlers>;
