import type { OpsUnit } from '@graminsta/contracts';

const round = (v: number, digits: number) => Number(v.toFixed(digits)).toLocaleString('en');

/** A value in its unit as an operator reads it: `12.5 req/s`, `45 ms`, `93 %`, `4 jobs`. */
export function formatValue(value: number, unit: OpsUnit): string {
  switch (unit) {
    case 'requests/s':
      return `${round(value, value < 10 ? 2 : 1)} req/s`;
    case 'errors/s':
      return `${round(value, value < 10 ? 2 : 1)} errors/s`;
    case 'queries/s':
      return `${round(value, value < 10 ? 2 : 1)} queries/s`;
    case 'seconds':
      return value < 1 ? `${round(value * 1000, value < 0.01 ? 1 : 0)} ms` : `${round(value, 2)} s`;
    case 'ratio':
      return `${round(value * 100, 0)} %`;
    case 'jobs':
      return `${round(value, 0)} jobs`;
    case 'connections':
      return `${round(value, 0)} connections`;
  }
}

/**
 * A short axis label: the full unit is in the chart's title and its legend, and the long words
 * ("queries/s", "connections") would not fit beside the plot. Counts keep their fractions, so two
 * ticks never read the same.
 */
export function formatTick(value: number, unit: OpsUnit): string {
  switch (unit) {
    case 'requests/s':
    case 'errors/s':
    case 'queries/s':
      return `${round(value, 2)}/s`;
    case 'seconds':
    case 'ratio':
      return formatValue(value, unit);
    case 'jobs':
    case 'connections':
      return round(value, 2);
  }
}
