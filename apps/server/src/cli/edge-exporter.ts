import { ConfigError } from '@graminsta/platform';
import { startEdgeCacheExporter } from '../monitor/edge-cache-exporter.ts';

const port = (what: string, value: string | undefined): number => {
  const n = Number(value);
  if (!value || !Number.isInteger(n) || n < 1 || n > 65_535)
    throw new ConfigError(`${what} must be a port (1–65535)`);
  return n;
};

/**
 * `graminsta edge-exporter --port N --syslog-port M`: counts the stage-5 edge's cache outcomes
 * from its syslog lines (UDP M) and serves them on /metrics (HTTP N), on HOST (default loopback).
 * `graminsta up --monitor` runs it beside the edge. Runs until SIGTERM or SIGINT.
 */
export async function runEdgeExporter(
  env: Record<string, string | undefined>,
  values: { port?: string; 'syslog-port'?: string },
): Promise<number> {
  const exporter = await startEdgeCacheExporter({
    host: env.HOST ?? '127.0.0.1',
    httpPort: port('--port', values.port),
    syslogPort: port('--syslog-port', values['syslog-port']),
  });
  console.log(`Edge cache exporter is ready at ${exporter.httpUrl} (edge log on UDP ${exporter.syslogPort})`);
  await new Promise<void>((done) => {
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
  });
  await exporter.close();
  return 0;
}
