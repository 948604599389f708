import { expect } from 'vitest';
import type { TopologySnapshot } from '../supervisor/up.ts';

export interface PrometheusTarget {
  labels: Record<string, string>;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}
export type PrometheusSample = { metric: Record<string, string>; value: [number, string] };

// Processes with no /metrics of their own: their exporters are scraped instead.
const NOT_SCRAPED = new Set(['balancer', 'edge', 'postgres', 'redis', 'object-store']);

/** The HTTP API of a stage's Prometheus (`graminsta up --monitor`), for end-to-end tests. */
export function prometheusApi(base: string) {
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${base}/api/v1/${path}`);
    expect(res.status, path).toBe(200);
    return ((await res.json()) as { data: T }).data;
  };
  const query = async (promql: string) =>
    (await api<{ result: PrometheusSample[] }>(`query?query=${encodeURIComponent(promql)}`)).result;
  const targets = async () =>
    (await api<{ activeTargets: PrometheusTarget[] }>('targets?state=active')).activeTargets;
  return {
    api,
    query,
    targets,
    /** The names of the topology's processes Prometheus should scrape itself. */
    scrapedNames(topology: TopologySnapshot): string[] {
      return topology.processes
        .filter((p) => !NOT_SCRAPED.has(p.role))
        .map((p) => p.name)
        .sort();
    },
    /** Waits until exactly `names` are the targets that are up, then expects none down. */
    async expectTargetsUp(names: readonly string[], timeout = 60_000): Promise<PrometheusTarget[]> {
      await expect
        .poll(
          async () =>
            (await targets())
              .filter((t) => t.health === 'up')
              .map((t) => t.labels.instance_name)
              .sort(),
          { timeout, interval: 1_000 },
        )
        .toEqual([...names].sort());
      const all = await targets();
      expect(
        all.filter((t) => t.health !== 'up').map((t) => `${t.labels.instance_name}: ${t.lastError}`),
      ).toEqual([]);
      return all;
    },
  };
}
