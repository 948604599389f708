import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraminstaClient } from '@graminsta/sdk';
import {
  ARTIFACTS,
  consoleErrors,
  expectAccessible,
  launchChromium,
  launchChromiumProfile,
  openPage,
  saveFailureArtifacts,
  unexpectedPageErrors,
  type WatchedPage,
  logInThrough,
} from './browser.ts';
import { ensureWebBuild, startStage3, type Stage3 } from './stage3-topology.ts';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const PASSWORD = 'correct horse battery';
const ANA = 'pwa_ana';
const BEN = 'pwa_ben';
const TAG = 'harbourlights';

type Who = 'anon' | 'ana' | 'ben';

/** What the pages are filled with: made through the API before Chromium visits them. */
interface World {
  photoId: string;
  carouselId: string;
}

interface PageVisit {
  /** The router pattern (apps/web/src/app.tsx) this visit stands for; null for the not-found page. */
  pattern: string | null;
  /** Also the screenshot's file name. */
  name: string;
  path: (w: World) => string;
  as: Who;
  /** A console error the visit causes on purpose (an expired link's 410), not counted against it. */
  provokes?: RegExp;
}

/**
 * EVERY page of the router, each as the person who sees its full state: the accessibility bar,
 * the screenshots and the offline checks walk this list. A new route in app.tsx goes here too
 * (the first test fails until it does).
 */
export const PAGES: PageVisit[] = [
  { pattern: '/', name: 'feed', path: () => '/', as: 'ben' },
  { pattern: '/', name: 'home-signed-out', path: () => '/', as: 'anon' },
  { pattern: '/explore', name: 'explore', path: () => '/explore', as: 'anon' },
  { pattern: '/search', name: 'search', path: () => `/search?q=${encodeURIComponent('pwa_')}`, as: 'ben' },
  { pattern: '/login', name: 'login', path: () => '/login', as: 'anon' },
  { pattern: '/signup', name: 'signup', path: () => '/signup', as: 'anon' },
  { pattern: '/tags/:tag', name: 'tag', path: () => `/tags/${TAG}`, as: 'ben' },
  { pattern: '/u/:username', name: 'profile', path: () => `/u/${ANA}`, as: 'ben' },
  { pattern: '/u/:username/followers', name: 'followers', path: () => `/u/${ANA}/followers`, as: 'ben' },
  { pattern: '/u/:username/following', name: 'following', path: () => `/u/${ANA}/following`, as: 'ben' },
  { pattern: '/p/:id', name: 'photo', path: (w) => `/p/${w.photoId}`, as: 'ben' },
  { pattern: '/account/edit', name: 'edit-profile', path: () => '/account/edit', as: 'ana' },
  { pattern: '/upload', name: 'upload', path: () => '/upload', as: 'ana' },
  { pattern: '/notifications', name: 'notifications', path: () => '/notifications', as: 'ana' },
  { pattern: '/saved', name: 'saved', path: () => '/saved', as: 'ben' },
  { pattern: '/settings', name: 'settings', path: () => '/settings', as: 'ana' },
  { pattern: '/requests', name: 'follow-requests', path: () => '/requests', as: 'ana' },
  { pattern: '/forgot-password', name: 'forgot-password', path: () => '/forgot-password', as: 'anon' },
  {
    pattern: '/reset-password/:token',
    name: 'reset-password',
    path: () => `/reset-password/${'x'.repeat(43)}`,
    as: 'anon',
  },
  {
    pattern: '/verify-email/:token',
    name: 'verify-email',
    path: () => `/verify-email/${'x'.repeat(43)}`,
    as: 'ana',
    provokes: /status of 410 \(Gone\)/,
  },
  { pattern: '/p/:id', name: 'carousel', path: (w) => `/p/${w.carouselId}`, as: 'ana' },
  // A user who is no moderator is told so; the queue itself is audited in moderation.browser.test.ts.
  { pattern: '/moderation', name: 'moderation-refused', path: () => '/moderation', as: 'ben' },
  // Likewise the operations page; its charts are audited in monitoring.e2e.test.ts.
  { pattern: '/ops', name: 'ops-refused', path: () => '/ops', as: 'ben' },
  { pattern: null, name: 'not-found', path: () => '/no/such/page', as: 'anon' },
];

const SKIP = process.env.TEST_DATABASE === 'postgres'; // heavy: run once, in the PGlite pass

/** A JPEG with some structure (sky, sun, sea), the kind of photo the app shows. */
const harbourJpeg = () =>
  sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="750">` +
        `<rect width="1000" height="750" fill="#24476b"/><circle cx="700" cy="300" r="90" fill="#ffcf70"/>` +
        `<path d="M0 500 Q250 430 500 520 T1000 480 V750 H0 Z" fill="#163042"/></svg>`,
    ),
  )
    .jpeg({ quality: 85 })
    .toBuffer();

/** The page has drawn its content: a heading, nothing loading, and no request in flight. */
async function settle(page: Page): Promise<void> {
  await page.locator('main h1').first().waitFor({ state: 'attached' });
  await page.locator('main [role="status"]', { hasText: 'Loading…' }).first().waitFor({ state: 'detached' });
  await page.waitForLoadState('networkidle');
}

/** Resolves when the image has loaded (rejects if it broke): never a timing assertion. */
const loaded = (page: Page, selector: string) =>
  page
    .locator(selector)
    .first()
    .evaluate(
      (img: HTMLImageElement) =>
        new Promise<void>((resolve, reject) => {
          if (img.complete && img.naturalWidth > 0) return resolve();
          img.addEventListener('load', () => resolve());
          img.addEventListener('error', () => reject(new Error(`image failed: ${img.currentSrc}`)));
        }),
    );

const logIn = (p: WatchedPage, url: string, username: string) => logInThrough(p, url, username, PASSWORD);

/** The page's service worker once it has finished activating (ready resolves while it still may be). */
const activeWorkerState = (page: Page) =>
  page.evaluate(async () => {
    const worker = (await navigator.serviceWorker.ready).active!;
    if (worker.state === 'activating') {
      await new Promise<void>((resolve) =>
        worker.addEventListener('statechange', () => worker.state !== 'activating' && resolve()),
      );
    }
    return worker.state;
  });

/** Every URL any cache of the origin holds. */
const cachedUrls = (page: Page) =>
  page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) urls.push(`${name} ${request.url}`);
    }
    return urls;
  });

describe.skipIf(SKIP)('the installable app and the accessibility bar, in Chromium', () => {
  let stage: Stage3;
  let browser: Browser;
  let world: World;
  const pages: Partial<Record<Who, WatchedPage>> = {};
  const shots = join(ARTIFACTS, 'screenshots');

  beforeAll(async () => {
    ensureWebBuild();
    stage = await startStage3();
    browser = await launchChromium();

    // Two people, one photo with a tag and a mention, a follow each way, a like and a comment:
    // every page then has something in it.
    const api = (token?: string) => new GraminstaClient({ baseUrl: stage.apiUrl, token });
    const ana = api((await api().signUp({ body: { username: ANA, password: PASSWORD } })).token);
    const ben = api((await api().signUp({ body: { username: BEN, password: PASSWORD } })).token);
    const jpeg = new Blob([new Uint8Array(await harbourJpeg())], { type: 'image/jpeg' });
    const posted = await ana.postPhoto(jpeg, {
      caption: `Lights on the water #${TAG} with @${BEN}`,
      altText: 'A harbour at dusk under a low yellow sun',
    });
    expect((await ana.waitForPhoto(posted.id, { pollMs: 200 })).status).toBe('ready');
    await ben.follow({ params: { username: ANA } });
    await ana.follow({ params: { username: BEN } });
    await ben.like({ params: { id: posted.id } });
    await ben.addComment({ params: { id: posted.id }, body: { body: `So calm, @${ANA}! #${TAG}` } });
    // A post of two photos: the carousel, its dots and the owner's Edit button; Ben saves it.
    const uploadIds: string[] = [];
    for (let i = 0; i < 2; i++) {
      const target = await ana.createUpload({ body: { contentType: jpeg.type, size: jpeg.size } });
      await ana.uploadFile(target, jpeg);
      uploadIds.push(target.uploadId);
    }
    const carousel = await ana.createPhoto({
      body: { media: uploadIds.map((uploadId, i) => ({ uploadId, altText: `Harbour, view ${i + 1}` })) },
    });
    expect((await ana.waitForPhoto(carousel.id, { pollMs: 200 })).status).toBe('ready');
    await ben.save({ params: { id: carousel.id } });
    world = { photoId: posted.id, carouselId: carousel.id };
    await mkdir(shots, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stage?.stop();
  });

  const watched = () => Object.values(pages).filter((p): p is WatchedPage => !!p);
  async function failWith(err: unknown, label: string): Promise<never> {
    const dir = await saveFailureArtifacts(`pwa-a11y-${label}`, watched(), {
      'api.log': stage.api.output(),
      'web.log': stage.web.output(),
    });
    throw new Error(`${String(err)}\n(screenshots and console in ${dir})`, { cause: err });
  }

  it('lists every route of the router', async () => {
    const app = await readFile(new URL('../src/app.tsx', import.meta.url), 'utf8');
    const patterns = [...app.matchAll(/^\s*\[\s*'(\/[^']*)',/gm)].map((m) => m[1]);
    expect(patterns.length).toBeGreaterThan(10);
    expect([...new Set(PAGES.map((p) => p.pattern).filter(Boolean))].sort()).toEqual([...patterns].sort());
  });

  it('starts signed out with no console error (the session probe answers 200)', async () => {
    const anon = await openPage(browser, 'anon', PHONE);
    pages.anon = anon;
    try {
      await anon.page.goto(`${stage.webUrl}/`);
      await settle(anon.page);
      await anon.page.getByRole('link', { name: 'Log in' }).waitFor();
      await anon.page.goto(`${stage.webUrl}/login`);
      await settle(anon.page);
      expect(consoleErrors(anon)).toEqual([]);
      expect(unexpectedPageErrors(anon)).toEqual([]);
    } catch (err) {
      await failWith(err, 'anonymous');
    }
  }, 60_000);

  it('passes axe on every page at phone and desktop width, light and dark; dark phone screenshots', async () => {
    try {
      for (const who of ['ana', 'ben'] as const) {
        pages[who] = await openPage(browser, who, PHONE);
        await logIn(pages[who], stage.webUrl, who === 'ana' ? ANA : BEN);
      }
      for (const visit of PAGES) {
        const { page } = pages[visit.as]!;
        await page.setViewportSize(PHONE);
        await page.emulateMedia({ colorScheme: 'light' });
        await page.goto(`${stage.webUrl}${visit.path(world)}`);
        await settle(page);
        for (const viewport of [PHONE, DESKTOP]) {
          await page.setViewportSize(viewport);
          for (const colorScheme of ['light', 'dark'] as const) {
            await page.emulateMedia({ colorScheme });
            await expectAccessible(page, `${visit.name} (${viewport.width}px, ${colorScheme})`);
            if (viewport === PHONE && colorScheme === 'dark') {
              await page.screenshot({ path: join(shots, `dark-phone-${visit.name}.png`) });
            }
          }
        }
      }
      const provoked = PAGES.flatMap((v) => (v.provokes ? [v.provokes] : []));
      for (const p of watched()) {
        expect(
          consoleErrors(p).filter((line) => !provoked.some((r) => r.test(line))),
          p.name,
        ).toEqual([]);
        expect(unexpectedPageErrors(p), p.name).toEqual([]);
      }
    } catch (err) {
      await failWith(err, 'pages');
    }
  }, 600_000);

  it('remembers a chosen theme over the device’s, across a reload', async () => {
    const { page } = pages.ben!;
    try {
      await page.emulateMedia({ colorScheme: 'light' });
      await page.goto(`${stage.webUrl}/explore`);
      await settle(page);
      const background = () =>
        page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      const light = await background();
      await page.getByRole('combobox', { name: 'Theme' }).selectOption('dark');
      await page.reload();
      await settle(page);
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      expect(await background()).not.toBe(light);
      expect(await page.locator('meta[name="theme-color"]').first().getAttribute('content')).toBe('#1c1c1e');
      await page.getByRole('combobox', { name: 'Theme' }).selectOption('system');
      expect(await background()).toBe(light);
    } catch (err) {
      await failWith(err, 'theme');
    }
  }, 60_000);

  it('is installable: a valid manifest, an active service worker, and the install button', async () => {
    const profile = await mkdtemp(join(tmpdir(), 'graminsta-profile-'));
    const context = await launchChromiumProfile(profile, PHONE);
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${stage.webUrl}/`);
      await settle(page);
      expect(await activeWorkerState(page)).toBe('activated');
      const manifest = await page.evaluate(async () => {
        const link = document.querySelector<HTMLLinkElement>('link[rel="manifest"]')!;
        return (await fetch(link.href)).json();
      });
      expect(manifest).toMatchObject({ start_url: '/', scope: '/', display: 'standalone' });
      const icons = manifest.icons as { sizes: string; purpose: string }[];
      for (const want of ['192x192 any', '512x512 any', '192x192 maskable', '512x512 maskable']) {
        expect(icons.map((i) => `${i.sizes} ${i.purpose}`)).toContain(want);
      }
      const cdp = await context.newCDPSession(page);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      expect(installabilityErrors).toEqual([]);
      await cdp.detach();
      // Chromium offers to install (beforeinstallprompt), and the app shows its own button.
      await page.getByRole('button', { name: 'Install app' }).waitFor();
      await expectAccessible(page, 'the top bar with the install button');
      await page.screenshot({ path: join(shots, 'install-button-phone.png') });
    } catch (err) {
      await failWith(err, 'installable');
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  }, 60_000);

  it('offline: the shell loads, a photo seen before still shows, and no API answer comes from a cache', async () => {
    const ben = pages.ben!;
    const { page, context } = ben;
    try {
      await page.goto(`${stage.webUrl}/`);
      expect(await activeWorkerState(page)).toBe('activated');
      // Now under the worker's control: this visit's photo goes through it into its cache.
      await page.reload();
      expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
      await settle(page);
      await loaded(page, '[data-testid="photo-card"] img');
      const photoUrl = await page
        .locator('[data-testid="photo-card"] img')
        .first()
        .evaluate((img: HTMLImageElement) => img.currentSrc);
      expect(photoUrl.startsWith(`${stage.apiUrl}/storage/blobs/p/`)).toBe(true);
      await expect
        .poll(async () => (await cachedUrls(page)).some((u) => u.endsWith(photoUrl)), { timeout: 10_000 })
        .toBe(true);
      // Visits signed in, and every cache still holds nothing of the API.
      const kept = await cachedUrls(page);
      expect(kept.filter((u) => u.includes('/api/'))).toEqual([]);

      await page.setViewportSize(PHONE);
      await page.emulateMedia({ colorScheme: 'dark' });
      await context.setOffline(true);
      await page.reload();
      await page.getByRole('status').filter({ hasText: 'You are offline' }).waitFor();
      await page.locator('main h1').first().waitFor({ state: 'attached' });
      await expectAccessible(page, 'the shell offline');
      await page.screenshot({ path: join(shots, 'dark-phone-offline-shell.png') });

      // The photo seen before still shows, from the worker's cache…
      const shown = await page.evaluate(
        (src) =>
          new Promise<number>((resolve, reject) => {
            const img = new Image();
            img.onload = () => resolve(img.naturalWidth);
            img.onerror = () => reject(new Error(`offline image failed: ${src}`));
            img.src = src;
          }),
        photoUrl,
      );
      expect(shown).toBeGreaterThan(0);
      // …while API calls fail: no cache answers them.
      const api = await page.evaluate(async (apiUrl) => {
        const results: string[] = [];
        for (const path of ['/api/v1/feed', '/api/v1/session', `/api/v1/notifications`]) {
          results.push(
            await fetch(`${apiUrl}${path}`, { credentials: 'include' }).then(
              (r) => `${path} answered ${r.status}`,
              () => `${path} failed`,
            ),
          );
        }
        return results;
      }, stage.apiUrl);
      expect(api).toEqual(['/api/v1/feed failed', '/api/v1/session failed', '/api/v1/notifications failed']);

      // Back online, the app asks again who is signed in, without a reload.
      await context.setOffline(false);
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      await context.setOffline(true);

      // A page never visited opens offline too: the precached shell draws every route.
      await page.goto(`${stage.webUrl}/tags/never-visited`);
      await page.getByRole('heading', { name: '#never-visited' }).waitFor();

      // Without the shell in the cache, a page that cannot load is the offline page.
      await page.evaluate(async () => {
        for (const name of await caches.keys()) {
          const cache = await caches.open(name);
          for (const request of await cache.keys()) {
            if (new URL(request.url).pathname === '/index.html') await cache.delete(request);
          }
        }
      });
      await page.goto(`${stage.webUrl}/u/${ANA}`);
      await page.getByRole('heading', { name: 'You are offline' }).waitFor();
      await expectAccessible(page, 'the offline page');
      await context.setOffline(false);
    } catch (err) {
      await context.setOffline(false);
      await failWith(err, 'offline');
    } finally {
      for (const p of watched()) await p.context.close();
    }
  }, 120_000);
});
