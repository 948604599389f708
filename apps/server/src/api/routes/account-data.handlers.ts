import type { Handlers } from './handler.ts';

export const accountDataHandlers = {
  requestExport: async ({ userId, services }) => services.accountData.requestExport(userId),
  latestExport: async ({ userId, services }) => services.accountData.latestExport(userId),
  deleteMe: async ({ userId, body, services, cookie }) => {
    const answer = await services.accountData.deleteAccount(userId, body.password);
    // Every session of the account has ended; the browser's cookie goes with them.
    cookie.clear();
    return answer;
  },
} satisfies Partial<Handlers>;
