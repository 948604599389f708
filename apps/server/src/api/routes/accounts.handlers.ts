import type { Handlers } from './handler.ts';

export const accountHandlers = {
  signUp: async ({ body, ip, services, cookie }) => {
    const session = await services.accounts.signUp(body, { ip });
    cookie.set(session.token);
    return session;
  },
  logIn: async ({ body, ip, services, cookie }) => {
    const session = await services.accounts.logIn(body, { ip });
    cookie.set(session.token);
    return session;
  },
  logOut: async ({ sessionToken, services, cookie }) => {
    await services.accounts.logOut(sessionToken);
    cookie.clear();
    return { ok: true };
  },
  getMe: async ({ userId, services }) => services.accounts.getMe(userId),
  updateMe: async ({ userId, body, services }) => services.accounts.updateMe(userId, body),
} satisfies Partial<Handlers>;
