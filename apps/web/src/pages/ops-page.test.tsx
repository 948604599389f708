// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { Me, OpsCharts } from '@graminsta/contracts';
import { Nav } from '../components/nav.tsx';
import { Providers, meAnn, testClient } from '../testing/fakes.tsx';
import { OpsPage } from './ops-page.tsx';

afterEach(cleanup);

const moderator: Me = { ...meAnn, role: 'moderator' };

function answer(rate: number, window = '15m'): OpsCharts {
  return {
    window: window as OpsCharts['window'],
    stepSeconds: 15,
    charts: [
      {
        id: 'request-rate',
        title: 'Requests per second, by tier',
        unit: 'requests/s',
        series: [
          {
            name: 'api',
            points: [
              [1000, 1],
              [1015, rate],
            ],
          },
          { name: 'web', points: [[1015, 0.5]] },
        ],
      },
      { id: 'latency-p99', title: 'Request latency p99, by tier', unit: 'seconds', series: [] },
    ],
  };
}

describe('the operations page', () => {
  it('shows each chart with its title and the latest value of each series in text, refreshing', async () => {
    let rate = 3;
    const { client, calls } = testClient((call) =>
      call.path === '/api/v1/admin/ops'
        ? { status: 200, body: answer(rate++, call.query.get('window') ?? '15m') }
        : { status: 404 },
    );
    render(
      <Providers client={client} me={moderator}>
        <OpsPage refreshMs={50} />
      </Providers>,
    );
    const chart = await screen.findByRole('figure', { name: 'Requests per second, by tier' });
    const latest = within(chart).getByRole('list', { name: /Latest values/ });
    expect(within(latest).getByText('web', { exact: false }).closest('li')!.textContent).toBe(
      'web: 0.5 req/s',
    );
    // The page reads again on its own: the api line's latest value moves.
    await waitFor(() =>
      expect(Number(latest.querySelector('[data-series="api"]')!.getAttribute('data-value'))).toBeGreaterThan(
        4,
      ),
    );
    expect(screen.getByRole('figure', { name: 'Request latency p99, by tier' }).textContent).toContain(
      'No data yet.',
    );
    fireEvent.change(screen.getByLabelText('Window'), { target: { value: '1h' } });
    await waitFor(() => expect(calls.at(-1)!.query.get('window')).toBe('1h'));
  });

  it('says what to do when monitoring is off', async () => {
    const { client } = testClient(() => ({
      status: 503,
      body: { error: { code: 'monitoring_off', message: 'off' } },
    }));
    render(
      <Providers client={client} me={moderator}>
        <OpsPage />
      </Providers>,
    );
    expect((await screen.findByRole('alert')).textContent).toContain('graminsta up --monitor');
  });

  it('tells a plain user the page is for moderators, asking nothing, and shows them no link', async () => {
    const { client, calls } = testClient(() => ({ status: 500 }));
    render(
      <Providers client={client} me={meAnn}>
        <Nav />
        <OpsPage />
      </Providers>,
    );
    expect(screen.getByText('Only moderators can see the operations page.')).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Operations' })).toBeNull();
    expect(calls.filter((c) => c.path === '/api/v1/admin/ops')).toEqual([]);
  });

  it('gives moderators a nav link to it', () => {
    const { client } = testClient(() => ({ status: 404 }));
    render(
      <Providers client={client} me={moderator}>
        <Nav />
      </Providers>,
    );
    expect(screen.getByRole('link', { name: 'Operations' }).getAttribute('href')).toBe('/ops');
  });
});
