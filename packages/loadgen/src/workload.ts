/**
 * The load driver as a library: signed-in users replay a mixed workload (feed, profiles, photo
 * views, comments, likes, uploads) through one public URL, for a set time or number of actions.
 * Failover tests run it in-process while they stop instances; `bench/load-driver.ts` is its CLI.
 */
import { syntheticJpeg } from './synthetic-jpeg.ts';
import { seededRandom, type Random } from './random.ts';
import { PhotoPool, runAction, type ActionContext } from './workload-actions.ts';
import { WorkloadHttp, checkTarget } from './workload-http.ts';
import { WorkloadStats } from './workload-stats.ts';
import { api, prepareSessions } from './workload-users.ts';
import {
  ACTIONS,
  DEFAULT_MIX,
  type Action,
  type Mix,
  type Session,
  type WorkloadOptions,
  type WorkloadReport,
  type WriteRecord,
} from './workload.types.ts';

export * from './workload.types.ts';
export { prepareSessions, signUpUsers } from './workload-users.ts';

let images: Promise<Buffer[]> | null = null;

/** Three small real JPEGs (320×240), made once per process. */
export function workloadImages(): Promise<Buffer[]> {
  images ??= Promise.all([0, 1, 2].map((i) => syntheticJpeg(9_000 + i, 320, 240)));
  return images;
}

/** Checks the weights and returns a draw that picks an action in proportion to them. */
export function mixSampler(mix: Mix, random: Random): () => Action {
  const entries = Object.entries(mix);
  for (const [action, weight] of entries) {
    if (!(ACTIONS as readonly string[]).includes(action))
      throw new Error(`unknown action "${action}" in the mix; choose from ${ACTIONS.join(', ')}`);
    if (!(Number.isFinite(weight) && weight >= 0)) throw new Error(`the weight of ${action} must be ≥ 0`);
  }
  const weighted = entries.filter(([, w]) => w > 0) as Array<[Action, number]>;
  const total = weighted.reduce((sum, [, w]) => sum + w, 0);
  if (total <= 0) throw new Error('the mix needs at least one action with a positive weight');
  return () => {
    let r = random.next() * total;
    for (const [action, w] of weighted) if ((r -= w) < 0) return action;
    return weighted[weighted.length - 1]![0];
  };
}

/** What feeds and explore show before the run, so views, likes and comments have targets at once. */
async function fillPool(baseUrl: string, sessions: Session[], pool: PhotoPool): Promise<void> {
  const first = sessions[0]!;
  pool.addFromPage(await api(baseUrl, 'GET', '/api/v1/explore?limit=50', first.token));
  for (const s of sessions.slice(0, 8)) pool.addFromPage(await api(baseUrl, 'GET', '/api/v1/feed', s.token));
}

export async function runWorkload(opts: WorkloadOptions): Promise<WorkloadReport> {
  const allowRemote = opts.allowRemote ?? false;
  const baseUrl = checkTarget(opts.baseUrl, allowRemote).toString();
  if (opts.durationMs === undefined && opts.actions === undefined)
    throw new Error('the workload needs a bound: durationMs or actions');
  if (opts.durationMs !== undefined && !(opts.durationMs > 0)) throw new Error('durationMs must be > 0');
  if (opts.actions !== undefined && !(Number.isInteger(opts.actions) && opts.actions > 0))
    throw new Error('actions must be a positive integer');
  const concurrency = opts.concurrency ?? 8;
  if (!(Number.isInteger(concurrency) && concurrency > 0))
    throw new Error('concurrency must be a positive integer');
  const seed = opts.seed ?? 1;
  // A random stream of its own for the choice of action: the same seed draws the same actions.
  const drawAction = mixSampler(opts.mix ?? DEFAULT_MIX, seededRandom(seed));
  const random = seededRandom(seed + 1);

  const jpegs = await workloadImages();
  const sessions = await prepareSessions({ ...opts, baseUrl, images: jpegs });
  const pool = new PhotoPool();
  await fillPool(baseUrl, sessions, pool);
  opts.log?.(`${sessions.length} users, ${pool.size} photos known; running`);

  const stats = new WorkloadStats();
  const http = new WorkloadHttp({
    stats,
    onResponse: opts.onResponse,
    maxAttempts: opts.maxAttempts ?? 3,
    timeoutMs: opts.requestTimeoutMs ?? 10_000,
    allowRemote,
  });
  const writes: WriteRecord[] = [];
  const ctx: ActionContext = { baseUrl, http, pool, random, images: jpegs, sessions, writes };
  const counts = Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Record<Action, number>;

  const startedAt = new Date();
  const t0 = performance.now();
  const deadline = opts.durationMs !== undefined ? t0 + opts.durationMs : Infinity;
  let begun = 0;
  const next = (): Action | null => {
    if (opts.signal?.aborted || performance.now() >= deadline) return null;
    if (opts.actions !== undefined && begun >= opts.actions) return null;
    begun++;
    return drawAction();
  };
  const worker = async () => {
    for (let action = next(); action; action = next()) {
      const done = await runAction(action, random.pick(sessions), ctx);
      counts[done]++;
    }
  };
  const ended = await Promise.allSettled(Array.from({ length: concurrency }, worker));
  const crashed = ended.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (crashed) throw crashed.reason;
  const elapsedMs = performance.now() - t0;

  const stoppedBy = opts.signal?.aborted
    ? 'signal'
    : opts.actions !== undefined && begun >= opts.actions
      ? 'actions'
      : 'duration';
  return {
    baseUrl: opts.baseUrl,
    startedAt: startedAt.toISOString(),
    elapsedMs: Math.round(elapsedMs),
    stoppedBy,
    actions: counts,
    users: sessions.map((s) => s.username),
    ...stats.summary(elapsedMs),
    writes,
  };
}
