import { Readable } from 'node:stream';
import { z } from 'zod';
import { readBounded } from '../blob/read-bounded.ts';

/** One series of a range query: its labels and `[unixSeconds, value]` points, finite values only. */
export interface RangeSeries {
  labels: Record<string, string>;
  points: Array<[number, number]>;
}

export interface RangeSpec {
  start: number;
  end: number;
  stepSeconds: number;
}

/** Stored metrics over time (Prometheus's HTTP API); the operations page reads its charts here. */
export interface MetricsHistory {
  queryRange(query: string, range: RangeSpec, signal: AbortSignal): Promise<RangeSeries[]>;
}

/** Prometheus is down, slow, or answered something other than a matrix. */
export class MetricsHistoryError extends Error {
  override name = 'MetricsHistoryError';
}

const Matrix = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('matrix'),
    result: z.array(
      z.object({
        metric: z.record(z.string(), z.string()),
        values: z.array(z.tuple([z.number(), z.string()])),
      }),
    ),
  }),
});

// A fixed query over at most a few hundred steps answers in kilobytes; more is a broken server.
const MAX_ANSWER_BYTES = 2 * 1024 * 1024;

/** `POST /api/v1/query_range` of the Prometheus at `baseUrl` (form body: no PromQL in a URL log). */
export function prometheusHistory(baseUrl: string, maxBytes = MAX_ANSWER_BYTES): MetricsHistory {
  const url = new URL('api/v1/query_range', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  return {
    async queryRange(query, range, signal) {
      const form = new URLSearchParams({
        query,
        start: String(range.start),
        end: String(range.end),
        step: `${range.stepSeconds}s`,
      });
      let text: string;
      try {
        const res = await fetch(url, { method: 'POST', body: form, signal });
        if (!res.body) throw new MetricsHistoryError(`Prometheus answered ${res.status} with no body`);
        const bytes = await readBounded(Readable.fromWeb(res.body as never), maxBytes);
        if (!res.ok) throw new MetricsHistoryError(`Prometheus answered ${res.status}`);
        text = bytes.toString('utf8');
      } catch (err) {
        if (err instanceof MetricsHistoryError) throw err;
        // The URL is ours (config), but say only what failed: never echo it into a response.
        throw new MetricsHistoryError(`Prometheus unreachable: ${(err as Error).name}`);
      }
      let parsed: z.infer<typeof Matrix>;
      try {
        parsed = Matrix.parse(JSON.parse(text));
      } catch {
        throw new MetricsHistoryError('Prometheus answered something other than a matrix');
      }
      return parsed.data.result.map((r) => ({
        labels: r.metric,
        points: r.values
          .map(([t, v]): [number, number] => [t, Number(v)])
          .filter(([, v]) => Number.isFinite(v)),
      }));
    },
  };
}
