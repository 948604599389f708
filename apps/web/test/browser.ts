import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './stage3-topology.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(REPO_ROOT, '.test-artifacts');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Debian's Chromium, headless, with nothing that phones home during a test. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * Chromium with a profile on disk, as a person's browser is: only such a browser may install a
 * web app (in an incognito-like context Chromium reports `in-incognito`). The install offer
 * comes at once, without the weeks of visits Chromium otherwise waits for.
 */
export function launchChromiumProfile(
  userDataDir: string,
  viewport: { width: number; height: number },
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, '--bypass-app-banner-engagement-checks'],
    viewport,
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

/** The impacts that fail the accessibility bar; moderate and minor ones are only reported. */
const BLOCKING = new Set(['serious', 'critical']);

/**
 * Runs axe-core on the page as it is now and fails on any serious or critical violation, with a
 * list a person can act on: rule, impact, what it asks, and the elements that break it.
 */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const blocking = results.violations.filter((v) => BLOCKING.has(v.impact ?? ''));
  if (blocking.length === 0) return;
  const lines = blocking.flatMap((v) => [
    `- ${v.id} (${v.impact}): ${v.help} [${v.helpUrl}]`,
    ...v.nodes
      .slice(0, 5)
      .map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.split('\n').join(' ')}`),
    ...(v.nodes.length > 5 ? [`    … and ${v.nodes.length - 5} more`] : []),
  ]);
  throw new Error(
    `axe found serious or critical violations on ${label} (${page.url()}):\n${lines.join('\n')}`,
  );
}

/** The console's error lines so far: an app that works logs none. */
export const consoleErrors = (p: WatchedPage): string[] => p.console.filter((l) => l.startsWith('[error]'));

/** Signs up through the web client's form and waits until the page shows the account signed in. */
export async function signUpThrough(p: WatchedPage, webUrl: string, username: string, password: string) {
  await p.page.goto(`${webUrl}/signup`);
  await p.page.getByLabel('Username').fill(username);
  await p.page.getByLabel('Password').fill(password);
  await p.page.getByRole('button', { name: 'Sign up' }).click();
  await p.page.getByRole('button', { name: 'Log out' }).waitFor();
}

/** Logs in through the web client's form and waits until the page shows the account signed in. */
export async function logInThrough(p: WatchedPage, webUrl: string, username: string, password: string) {
  await p.page.goto(`${webUrl}/login`);
  await p.page.getByLabel('Username').fill(username);
  await p.page.getByLabel('Password').fill(password);
  await p.page.getByRole('button', { name: 'Log in' }).click();
  await p.page.getByRole('button', { name: 'Log out' }).waitFor();
}
