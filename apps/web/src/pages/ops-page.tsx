import { useEffect, useState } from 'react';
import { OPS_WINDOWS, type OpsCharts, type OpsWindow } from '@graminsta/contracts';
import { ApiError } from '@graminsta/sdk';
import { ErrorMessage } from '../components/error-message.tsx';
import { OpsChartView } from '../components/ops/ops-chart.tsx';
import { useSession } from '../session/session.tsx';
import '../components/ops/ops.css';

/** How often the charts are read again. */
export const REFRESH_MS = 5_000;

/** The operations page: live charts of the topology's metrics, for moderators (operators). */
export function OpsPage({ refreshMs = REFRESH_MS }: { refreshMs?: number }) {
  const { me } = useSession();
  if (me?.role === 'moderator') return <Dashboard refreshMs={refreshMs} />;
  return (
    <section className="panel narrow">
      <h1>Operations</h1>
      <p>Only moderators can see the operations page.</p>
    </section>
  );
}

/** What an operator should do about the failures that have a remedy; the API's own message otherwise. */
function explain(error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  if (error.code === 'monitoring_off')
    return 'Monitoring is off: start the topology with `graminsta up --monitor` (it sets PROMETHEUS_URL).';
  if (error.code === 'monitoring_unreachable')
    return 'Prometheus is not answering; the charts show the last reading and retry every few seconds.';
  return error;
}

function Dashboard({ refreshMs }: { refreshMs: number }) {
  const { client } = useSession();
  const [window, setWindow] = useState<OpsWindow>('15m');
  const [data, setData] = useState<OpsCharts | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [readAt, setReadAt] = useState<Date | null>(null);

  useEffect(() => {
    let live = true;
    let inFlight: AbortController | null = null;
    const read = async () => {
      // A slow answer is dropped, not stacked: one request at a time.
      if (inFlight) return;
      inFlight = new AbortController();
      try {
        const answer = await client.opsCharts({ query: { window } }, { signal: inFlight.signal });
        if (!live) return;
        setData(answer);
        setError(null);
        setReadAt(new Date());
      } catch (err) {
        if (live) setError(err);
      } finally {
        inFlight = null;
      }
    };
    void read();
    const timer = setInterval(() => void read(), refreshMs);
    return () => {
      live = false;
      clearInterval(timer);
      inFlight?.abort();
    };
  }, [client, window, refreshMs]);

  return (
    <section className="panel ops-page">
      <title>Operations · Graminsta</title>
      <header className="ops-header">
        <h1>Operations</h1>
        <label>
          Window{' '}
          <select value={window} onChange={(e) => setWindow(e.currentTarget.value as OpsWindow)}>
            {OPS_WINDOWS.map((w) => (
              <option key={w} value={w}>
                {w}
              </option>
            ))}
          </select>
        </label>
        <p className="muted small" role="status" aria-live="off">
          {readAt ? `Updated ${readAt.toLocaleTimeString('en')} · every ${refreshMs / 1000} s` : 'Loading…'}
        </p>
      </header>
      <ErrorMessage error={explain(error)} />
      {data && (
        <div className="ops-grid">
          {data.charts.map((chart) => (
            <OpsChartView key={chart.id} chart={chart} />
          ))}
        </div>
      )}
    </section>
  );
}
