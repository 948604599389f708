import { z } from 'zod';

/** The spans of time the operations page can show; anything else is refused. */
export const OPS_WINDOWS = ['5m', '15m', '1h', '6h'] as const;
export const OpsWindow = z.enum(OPS_WINDOWS);
export type OpsWindow = z.infer<typeof OpsWindow>;

export const OpsQuery = z.object({ window: OpsWindow.default('15m') });
export type OpsQuery = z.infer<typeof OpsQuery>;

/** What a chart's values measure; the page formats each its own way. */
export const OpsUnit = z.enum([
  'requests/s',
  'errors/s',
  'queries/s',
  'seconds',
  'ratio',
  'jobs',
  'connections',
]);
export type OpsUnit = z.infer<typeof OpsUnit>;

/** `[unixSeconds, value]`, oldest first; steps with no value (no traffic yet) are left out. */
// The rest `never` writes `items: false`-like JSON Schema: exactly two numbers, said to every client.
export const OpsPoint = z.tuple([z.number(), z.number()], z.never());

/** One line of a chart, named by a bounded label (a tier, a job name, a state), never an id. */
export const OpsSeries = z.object({ name: z.string(), points: z.array(OpsPoint) });
export type OpsSeries = z.infer<typeof OpsSeries>;

export const OpsChart = z.object({
  id: z.string(),
  title: z.string(),
  unit: OpsUnit,
  series: z.array(OpsSeries),
});
export type OpsChart = z.infer<typeof OpsChart>;

/** GET /api/v1/admin/ops: the fixed charts of the operations page, read from Prometheus. */
export const OpsCharts = z.object({
  window: OpsWindow,
  stepSeconds: z.number().int().positive(),
  charts: z.array(OpsChart),
});
export type OpsCharts = z.infer<typeof OpsCharts>;
