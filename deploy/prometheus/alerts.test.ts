import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findBinary } from '@graminsta/topology';

const run = promisify(execFile);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const promtool = findBinary('promtool', process.env.PROMTOOL_BIN);
const amtool = findBinary('amtool');

/** A tool's exit and output, whether it succeeded or not. */
async function tool(command: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: here('.') });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe.skipIf(!promtool)('the alert rules (promtool)', () => {
  it('are valid rules', async () => {
    const { code, out } = await tool(promtool!, ['check', 'rules', here('alerts.yml')]);
    expect(code, out).toBe(0);
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('fire on the series in alerts.test.yml that should wake someone, and only on those', async () => {
    const { code, out } = await tool(promtool!, ['test', 'rules', here('alerts.test.yml')]);
    expect(code, out).toBe(0);
  });

  it('every alert has a firing and a quiet case in alerts.test.yml', async () => {
    const { readFile } = await import('node:fs/promises');
    const rules = await readFile(here('alerts.yml'), 'utf8');
    const tests = await readFile(here('alerts.test.yml'), 'utf8');
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    for (const alert of alerts) {
      const cases = tests.split(/\n\s+- eval_time:/).filter((c) => c.includes(`alertname: ${alert}\n`));
      expect(
        cases.some((c) => /exp_alerts: \[\]/.test(c)),
        `${alert} quiet`,
      ).toBe(true);
      expect(
        cases.some((c) => /exp_labels:/.test(c)),
        `${alert} firing`,
      ).toBe(true);
    }
  });
});

// amtool ships with Debian's prometheus-alertmanager; without it there is no check of the file
// (`prometheus-alertmanager --help` would not read it), so the test says it skipped.
describe.skipIf(!amtool)('the Alertmanager routing (amtool)', () => {
  const config = here('alertmanager.yml');

  it('is a valid configuration', async () => {
    const { code, out } = await tool(amtool!, ['check-config', config]);
    expect(code, out).toBe(0);
  });

  it('pages for severity=page, files a ticket for severity=ticket and anything unlabelled', async () => {
    const route = async (...labels: string[]) =>
      (await tool(amtool!, ['config', 'routes', 'test', `--config.file=${config}`, ...labels])).out
        .split('\n')
        .filter((l) => l && !l.startsWith('Warning'))
        .join(',');
    expect(await route('severity=page', 'alertname=TargetDown', 'tier=api')).toBe('page');
    expect(await route('severity=ticket', 'alertname=HighP99Latency', 'tier=api')).toBe('ticket');
    expect(await route('alertname=SomethingNew')).toBe('ticket');
  });
});
