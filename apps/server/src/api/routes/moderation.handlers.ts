import type { Handlers } from './handler.ts';

export const moderationHandlers = {
  createReport: async ({ body, userId, services }) => services.reports.create(userId, body),
  listReports: async ({ query, userId, services }) => services.moderation.list(userId, query),
  resolveReport: async ({ params, body, userId, services }) =>
    services.moderation.resolve(userId, params.id, body),
  opsCharts: async ({ query, userId, services }) => services.ops.charts(userId, query.window),
} satisfies Partial<Handlers>;
