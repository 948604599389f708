import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './stage3-topology.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(REPO_ROOT, '.test-artifacts');

/** Debian's Chromium, headless, with nothing that phones home during a test. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A page that keeps its console, page errors and CSP violations, for assertions and for failure reports. */
export interface WatchedPage {
  name: string;
  page: Page;
  context: BrowserContext;
  console: string[];
  /** Uncaught exceptions and CSP refusals: none may happen unless a test provokes it. */
  errors: string[];
}

export async function openPage(
  browser: Browser,
  name: string,
  viewport: { width: number; height: number },
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 2 });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const lines: string[] = [];
  const errors: string[] = [];
  page.on('console', (msg) => {
    lines.push(`[${msg.type()}] ${msg.text()}`);
    if (msg.type() === 'error' && /Content Security Policy/.test(msg.text())) errors.push(msg.text());
  });
  page.on('pageerror', (err) => {
    lines.push(`[pageerror] ${err.message}`);
    errors.push(`[pageerror] ${err.message}`);
  });
  page.on('requestfailed', (req) => lines.push(`[requestfailed] ${req.url()} ${req.failure()?.errorText}`));
  return { name, page, context, console: lines, errors };
}

/**
 * The page's errors that no test provoked: each `provoked` pattern must match one error seen
 * (the exact refusal the test caused), and whatever is left is unexpected.
 */
export function unexpectedPageErrors(p: WatchedPage, provoked: RegExp[] = []): string[] {
  const left = [...p.errors];
  const missing: string[] = [];
  for (const pattern of provoked) {
    const i = left.findIndex((e) => pattern.test(e));
    if (i < 0) missing.push(`provoked but not seen: ${String(pattern)}`);
    else left.splice(i, 1);
  }
  return [...missing, ...left];
}

/** Screenshots and console of every page, so a failed run can be understood afterwards. */
export async function saveFailureArtifacts(
  label: string,
  pages: WatchedPage[],
  extra: Record<string, string>,
) {
  const dir = join(ARTIFACTS, label);
  await mkdir(dir, { recursive: true });
  for (const p of pages) {
    await p.page.screenshot({ path: join(dir, `${p.name}.png`), fullPage: true }).catch(() => undefined);
    await writeFile(join(dir, `${p.name}.console.txt`), `${p.page.url()}\n${p.console.join('\n')}\n`);
  }
  for (const [name, text] of Object.entries(extra)) await writeFile(join(dir, name), text);
  return dir;
}
