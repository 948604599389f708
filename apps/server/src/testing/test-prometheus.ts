import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, renderPrometheusConfig, startPrometheus, type ScrapeJob } from '@graminsta/topology';

export interface TestPrometheus {
  /** What PROMETHEUS_URL is set to. */
  url: string;
  stop(): Promise<void>;
}

/**
 * A real Prometheus of a test's own, scraping the given jobs every second (job = tier, as the
 * topology's scrape configuration names them), its files in a throwaway folder.
 */
export async function startTestPrometheus(jobs: readonly ScrapeJob[]): Promise<TestPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'graminsta-test-prometheus-'));
  const port = await freePort();
  const child = await startPrometheus({
    host: '127.0.0.1',
    port,
    dir,
    config: renderPrometheusConfig({ scrapeIntervalSeconds: 1, jobs }),
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
