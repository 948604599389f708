import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  launchChromium,
  openPage,
  saveFailureArtifacts,
  unexpectedPageErrors,
  type WatchedPage,
} from './browser.ts';
import { startNginx, type NginxProcess } from '@graminsta/topology';
import { renderWebConf } from '../../../deploy/nginx/render.ts';
import { freePort } from '@graminsta/topology';
import { ensureWebBuild, REPO_ROOT, startStage3, WEB_DIST, type Stage3 } from './stage3-topology.ts';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const INJECTED = '<script>window.__pwned=1</script> <img src=x onerror="window.__pwned=2">';
const CAPTION = `Evening light over the harbour #sunset ${INJECTED}`;
const PASS = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'pglite';
const README_SHOT = join(REPO_ROOT, 'docs/screenshots/feed-phone.png');

/** A small landscape picture (sky, sun, hills) as a real JPEG file. */
async function landscapeJpeg(dir: string): Promise<string> {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="900">` +
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">` +
    `<stop offset="0" stop-color="#2b4c7e"/><stop offset="0.6" stop-color="#f4a261"/>` +
    `<stop offset="1" stop-color="#e76f51"/></linearGradient></defs>` +
    `<rect width="1200" height="900" fill="url(#sky)"/>` +
    `<circle cx="820" cy="520" r="110" fill="#ffd166"/>` +
    `<path d="M0 640 Q300 520 600 650 T1200 620 V900 H0 Z" fill="#264653"/>` +
    `<path d="M0 760 Q400 660 800 770 T1200 740 V900 H0 Z" fill="#1b3a40"/></svg>`;
  const file = join(dir, 'harbour.jpg');
  await writeFile(file, await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer());
  return file;
}

const pwned = (page: Page) => page.evaluate(() => (window as { __pwned?: unknown }).__pwned);

async function signUp(p: WatchedPage, webUrl: string, username: string, displayName: string) {
  await p.page.goto(`${webUrl}/signup`);
  await p.page.getByLabel('Username').fill(username);
  await p.page.getByLabel('Display name (optional)').fill(displayName);
  await p.page.getByLabel('Password').fill('correct horse battery');
  await p.page.getByRole('button', { name: 'Sign up' }).click();
  await p.page.getByRole('button', { name: 'Log out' }).waitFor();
}

async function shoot(page: Page, name: string): Promise<string> {
  const dir = join(ARTIFACTS, 'screenshots');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

describe('stage 3: the web client on its own origin, in Chromium', () => {
  let stage: Stage3;
  let browser: Browser;
  let tmp: string;
  let nginxPort: number;
  const pages: WatchedPage[] = [];

  beforeAll(async () => {
    ensureWebBuild();
    tmp = await mkdtemp(join(tmpdir(), 'graminsta-browser-'));
    nginxPort = await freePort();
    stage = await startStage3({ moreWebOrigins: [`http://localhost:${nginxPort}`] });
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stage?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('serves the client from the web tier with its runtime config, caching and CSP', async () => {
    const index = await fetch(`${stage.webUrl}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toContain(`connect-src 'self' ${stage.apiUrl}`);
    const html = await index.text();
    expect(html.split('<script src="/config.js"></script>')).toHaveLength(2); // loaded once, by the build

    const config = await (await fetch(`${stage.webUrl}/config.js`)).text();
    expect(config).toContain(JSON.stringify({ apiUrl: stage.apiUrl }));

    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${stage.webUrl}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    const route = await fetch(`${stage.webUrl}/u/somebody`);
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(html);
    // The web tier is only the web tier: the API lives on the other origin.
    expect((await fetch(`${stage.webUrl}/api/v1/me`)).status).toBe(404);
  });

  it('two people meet, follow, like and comment; notifications arrive live; captions stay text', async () => {
    const a = await openPage(browser, 'a-desktop', DESKTOP);
    const b = await openPage(browser, 'b-phone', PHONE);
    pages.push(a, b);
    try {
      // A signs up and shares a photo whose caption tries to run script.
      await signUp(a, stage.webUrl, 'harbour_ana', 'Ana Harbour');
      await a.page.getByRole('link', { name: 'New post' }).click();
      await a.page.getByLabel('Choose a photo').setInputFiles(await landscapeJpeg(tmp));
      await a.page.getByLabel('Caption').fill(CAPTION);
      await a.page.getByLabel('Alt text').fill('A sunset over dark hills');
      await a.page.getByRole('button', { name: 'Share' }).click();
      await a.page.getByText('Your photo is ready.').waitFor({ timeout: 60_000 });
      await a.page.getByRole('link', { name: 'Home' }).click();
      await a.page.getByTestId('photo-card').waitFor();

      // B signs up; the HttpOnly cookie alone (no stored token) keeps B signed in across a reload.
      await signUp(b, stage.webUrl, 'bay_ben', 'Ben Bay');
      await b.page.evaluate(() => localStorage.clear());
      await b.page.reload();
      await b.page.getByRole('button', { name: 'Log out' }).waitFor();

      // B finds A by search and follows.
      await b.page.getByRole('link', { name: 'Search' }).click();
      await b.page.getByLabel('Search people by username').fill('harb');
      await b.page
        .getByRole('list', { name: 'Search results' })
        .getByRole('link', { name: /harbour_ana/ })
        .click();
      await b.page.waitForURL(`${stage.webUrl}/u/harbour_ana`);
      await b.page.getByRole('button', { name: 'Follow' }).click();
      await b.page.getByRole('button', { name: 'Following' }).waitFor();
      await b.page.getByText('1 follower', { exact: true }).waitFor();

      // A's badge counts the follow without a reload.
      await a.page.getByTestId('notification-badge').filter({ hasText: '1' }).waitFor();

      // B sees the photo in the feed, with its picture loaded from the API origin, and likes it.
      await b.page.getByRole('link', { name: 'Home' }).click();
      const card = b.page.getByTestId('feed-list').getByTestId('photo-card');
      await card.waitFor();
      expect(await card.count()).toBe(1);
      await card
        .locator('img')
        .first()
        .evaluate(
          (img: HTMLImageElement) =>
            new Promise<void>((resolve, reject) => {
              if (img.complete) return img.naturalWidth > 0 ? resolve() : reject(new Error('image failed'));
              img.addEventListener('load', () => resolve());
              img.addEventListener('error', () => reject(new Error('image failed')));
            }),
        );
      await card.getByTestId('like-button').click();
      await card
        .getByTestId('like-count')
        .filter({ hasText: /^1 like$/ })
        .waitFor();
      await a.page.getByTestId('notification-badge').filter({ hasText: '2' }).waitFor();

      // B comments on the photo page.
      await card.getByRole('link', { name: 'Comment' }).click();
      await b.page.getByTestId('photo-detail').waitFor();
      await b.page.getByLabel('Add a comment').fill('What a view!');
      await b.page.getByRole('button', { name: 'Post' }).click();
      await b.page.getByRole('listitem').filter({ hasText: 'What a view!' }).waitFor();
      await a.page.getByTestId('notification-badge').filter({ hasText: '3' }).waitFor();

      // The caption is shown as the text it is, in both browsers, and nothing it held ever ran.
      await b.page.getByRole('link', { name: 'Home' }).click();
      await card
        .getByTestId('like-count')
        .filter({ hasText: /^1 like$/ })
        .waitFor();
      for (const p of [a, b]) {
        const caption = p.page.getByTestId('caption-text').first();
        await caption.waitFor();
        expect(await caption.textContent()).toBe(CAPTION);
        expect(await caption.isVisible()).toBe(true);
        expect(await p.page.locator('main img[src="x"], main script').count()).toBe(0);
        expect(await pwned(p.page)).toBeUndefined();
      }

      // Even script put into the page some other way is refused by the web tier's CSP.
      const violations = await a.page.evaluate(async () => {
        const seen: string[] = [];
        document.addEventListener('securitypolicyviolation', (e) => seen.push(e.violatedDirective));
        const script = document.createElement('script');
        script.textContent = 'window.__pwned = 3';
        document.body.append(script);
        document.body.insertAdjacentHTML('beforeend', '<img src="data:," onload="window.__pwned = 4">');
        // Violation reports are queued as tasks: wait for both (bounded, never a timing assertion).
        for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
        return seen.sort();
      });
      expect(violations).toEqual(['script-src-attr', 'script-src-elem']);
      expect(await pwned(a.page)).toBeUndefined();

      // On a phone the top bar keeps one row and the places are a tab bar along the bottom edge;
      // on a desktop they sit in the top bar.
      const layout = (page: Page) =>
        page.evaluate(() => {
          const box = (sel: string) => document.querySelector(sel)!.getBoundingClientRect();
          return {
            topbarHeight: box('.topbar').height,
            brandHeight: box('.brand').height,
            placesTop: box('.nav-links').top,
            placesBottom: box('.nav-links').bottom,
            viewportHeight: window.innerHeight,
          };
        });
      const phone = await layout(b.page);
      expect(phone.topbarHeight).toBeLessThan(phone.brandHeight * 2);
      expect(phone.placesBottom).toBeCloseTo(phone.viewportHeight, 0);
      const desktop = await layout(a.page);
      expect(desktop.placesTop).toBeLessThan(desktop.topbarHeight);

      // Phone-width pictures of the feed and of A's profile, and a desktop one of A's feed.
      const feedShot = await shoot(b.page, 'feed-phone');
      await b.page.getByRole('link', { name: 'harbour_ana' }).first().click();
      await b.page.getByText('1 post', { exact: true }).waitFor();
      await b.page.locator('main img').last().waitFor();
      await shoot(b.page, 'profile-phone');
      await a.page.reload();
      await a.page
        .getByTestId('like-count')
        .filter({ hasText: /^1 like$/ })
        .waitFor();
      await shoot(a.page, 'feed-desktop');
      if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(README_SHOT)) {
        await mkdir(join(REPO_ROOT, 'docs/screenshots'), { recursive: true });
        await copyFile(feedShot, README_SHOT);
      }
      // The only errors allowed are the two CSP refusals of the script injected above.
      expect(
        unexpectedPageErrors(a, [
          /^Executing inline script violates/,
          /^Executing inline event handler violates/,
        ]),
      ).toEqual([]);
      expect(unexpectedPageErrors(b)).toEqual([]);
    } catch (err) {
      const dir = await saveFailureArtifacts(`stage3-browser-${PASS}`, pages, {
        'api.log': stage.api.output(),
        'web.log': stage.web.output(),
      });
      throw new Error(`${String(err)}\n(screenshots and console in ${dir})`, { cause: err });
    } finally {
      for (const p of pages) await p.context.close();
    }
  }, 240_000);
  it('works the same when nginx serves the build (deploy/nginx/web.conf)', async () => {
    const conf = renderWebConf({
      listen: `127.0.0.1:${nginxPort}`,
      root: WEB_DIST,
      env: { PUBLIC_API_URL: stage.apiUrl },
      user: process.getuid?.() === 0 ? 'root' : undefined,
    });
    const webUrl = `http://localhost:${nginxPort}`;
    let nginx: NginxProcess | null = null;
    const c = await openPage(browser, 'c-nginx', PHONE);
    try {
      nginx = await startNginx(conf, `http://127.0.0.1:${nginxPort}/healthz`);
      await signUp(c, webUrl, 'nginx_nina', 'Nina');
      expect(await c.page.evaluate(() => window.__GRAMINSTA__?.apiUrl)).toBe(stage.apiUrl);
      await c.page.getByRole('link', { name: 'Profile' }).click();
      await c.page.getByRole('heading', { name: 'nginx_nina' }).waitFor();
      await c.page.getByText('0 posts', { exact: true }).waitFor();
      expect(await pwned(c.page)).toBeUndefined();
      expect(unexpectedPageErrors(c)).toEqual([]);
    } catch (err) {
      const dir = await saveFailureArtifacts(`stage3-nginx-${PASS}`, [c], {
        'api.log': stage.api.output(),
        'nginx.log': nginx?.output() ?? '',
      });
      throw new Error(`${String(err)}\n(screenshots and console in ${dir})`, { cause: err });
    } finally {
      await c.context.close();
      await nginx?.stop();
    }
  }, 120_000);
});
