import type { OpsChart, OpsCharts, OpsWindow } from '@graminsta/contracts';
import { MetricsHistoryError, type Db, type MetricsHistory } from '@graminsta/platform';
import { AppError } from '../errors.ts';
import { authorize } from '../policies/policy.ts';
import { moderationOf } from '../policies/resources.ts';
import type { OpsService } from '../services.ts';
import { UserRepository } from '../users/user.repository.ts';
import { CHARTS, type ChartSpec } from './ops.charts.ts';

export interface OpsServiceDeps {
  db: Db;
  /** PROMETHEUS_URL's history; none when the topology runs without monitoring. */
  history: MetricsHistory | undefined;
  now?: () => number;
  /** All the queries of one page together; past it the page answers monitoring_unreachable. */
  timeoutMs?: number;
}

// About sixty points per chart whatever the window; the rate range covers several scrapes.
const WINDOWS: Record<OpsWindow, { seconds: number; stepSeconds: number }> = {
  '5m': { seconds: 300, stepSeconds: 5 },
  '15m': { seconds: 900, stepSeconds: 15 },
  '1h': { seconds: 3600, stepSeconds: 60 },
  '6h': { seconds: 21_600, stepSeconds: 360 },
};
/** Lines per chart: tiers, states and job names are few; more would be a label gone wrong. */
export const MAX_SERIES = 12;

export class OpsServiceImpl implements OpsService {
  private readonly users: UserRepository;

  constructor(private readonly deps: OpsServiceDeps) {
    this.users = new UserRepository(deps.db);
  }

  async charts(userId: string, window: OpsWindow): Promise<OpsCharts> {
    // Operators are moderators: the same role, the same rule.
    authorize(userId, 'review', moderationOf(await this.users.findById(userId)));
    const history = this.deps.history;
    if (!history)
      throw new AppError('monitoring_off', 'this topology runs without Prometheus (PROMETHEUS_URL)');
    const { seconds, stepSeconds } = WINDOWS[window];
    const end = Math.floor((this.deps.now?.() ?? Date.now()) / 1000 / stepSeconds) * stepSeconds;
    const range = { start: end - seconds, end, stepSeconds };
    const rateRange = `${Math.max(2 * stepSeconds, 20)}s`;
    const signal = AbortSignal.timeout(this.deps.timeoutMs ?? 3_000);
    try {
      const charts = await Promise.all(
        CHARTS.map(async (spec): Promise<OpsChart> => {
          const found = await history.queryRange(spec.query(rateRange), range, signal);
          return chartOf(spec, found);
        }),
      );
      return { window, stepSeconds, charts };
    } catch (err) {
      if (err instanceof MetricsHistoryError) throw new AppError('monitoring_unreachable', err.message);
      throw err;
    }
  }
}

function chartOf(spec: ChartSpec, found: Awaited<ReturnType<MetricsHistory['queryRange']>>): OpsChart {
  const series = found
    .map((s) => ({ name: spec.name(s.labels), points: s.points }))
    .sort((a, b) => a.name.localeCompare(b.name))
    .slice(0, MAX_SERIES);
  return { id: spec.id, title: spec.title, unit: spec.unit, series };
}
