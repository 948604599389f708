import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  launchChromium,
  openPage,
  saveFailureArtifacts,
  unexpectedPageErrors,
  type WatchedPage,
  signUpThrough,
} from './browser.ts';
import { ensureWebBuild, startStage3, type Stage3 } from './stage3-topology.ts';

const PHONE = { width: 390, height: 844 };

/** A real JPEG of one colour with a shape on it, so each photo of the post looks different. */
async function jpeg(dir: string, name: string, colour: string): Promise<string> {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="700">` +
    `<rect width="900" height="700" fill="${colour}"/>` +
    `<circle cx="450" cy="330" r="160" fill="#ffffff" fill-opacity="0.6"/></svg>`;
  const file = join(dir, name);
  await writeFile(file, await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer());
  return file;
}

const signUp = (p: WatchedPage, url: string, username: string) =>
  signUpThrough(p, url, username, 'correct horse battery');

async function shoot(page: Page, name: string) {
  const dir = join(ARTIFACTS, 'screenshots');
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

const previewOrder = (page: Page) =>
  page
    .getByRole('list', { name: 'Photos of this post, in order' })
    .getByRole('img')
    .evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).alt));

/** The alt text of the carousel's photo that is shown (the others are hidden from the accessibility tree). */
const shownAlt = (carousel: Locator) => carousel.getByRole('img').getAttribute('alt');

/** Which photo the track is scrolled to: what a sighted user sees, not only what the DOM says. */
const scrolledTo = (carousel: Locator) =>
  carousel
    .locator('.carousel-track')
    .evaluate((el) => Math.round(el.scrollLeft / Math.max(el.clientWidth, 1)));

// Chromium runs once: the browser side does not change with the database behind the API.
describe.skipIf(process.env.TEST_DATABASE === 'postgres')('posts of several photos, in Chromium', () => {
  let stage: Stage3;
  let browser: Browser;
  let tmp: string;

  beforeAll(async () => {
    ensureWebBuild();
    tmp = await mkdtemp(join(tmpdir(), 'graminsta-posts-'));
    stage = await startStage3();
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stage?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('A posts three photos in an order of her choosing; B swipes through them, is mentioned, and saves the post', async () => {
    const a = await openPage(browser, 'a-phone', PHONE);
    const b = await openPage(browser, 'b-phone', PHONE);
    const pages = [a, b];
    try {
      await signUp(a, stage.webUrl, 'ana_many');
      await signUp(b, stage.webUrl, 'ben_many');
      await b.page.goto(`${stage.webUrl}/u/ana_many`);
      await b.page.getByRole('button', { name: 'Follow' }).click();
      await b.page.getByRole('button', { name: 'Following' }).waitFor();

      // A picks three files at once.
      await a.page.getByRole('link', { name: 'New post' }).click();
      await a.page
        .getByLabel('Choose a photo or several')
        .setInputFiles([
          await jpeg(tmp, 'barn.jpg', '#9b2226'),
          await jpeg(tmp, 'field.jpg', '#386641'),
          await jpeg(tmp, 'lake.jpg', '#1d4e89'),
        ]);
      expect(await previewOrder(a.page)).toEqual([
        'Preview of photo 1 (barn.jpg)',
        'Preview of photo 2 (field.jpg)',
        'Preview of photo 3 (lake.jpg)',
      ]);

      // With the keyboard alone: pick up the first photo's handle, move it down one place, drop it.
      await a.page.getByRole('button', { name: 'Reorder photo 1 of 3' }).focus();
      // Each step waits for what a screen reader hears, so no key lands before the sorter is ready.
      const heard = (text: string) => a.page.getByText(text, { exact: true }).waitFor({ state: 'attached' });
      await a.page.keyboard.press('Space');
      await heard('Picked up photo 1 of 3.');
      // dnd-kit's keyboard sensor starts listening for the arrow keys in a timer it sets as it picks
      // the photo up: a key pressed before that timer ran is lost. A timer set now runs after it.
      await a.page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
      await a.page.keyboard.press('ArrowDown');
      await heard('Photo 1 is over position 2.');
      await a.page.keyboard.press('Space');
      await heard('Photo 1 dropped at position 2.');
      await expect
        .poll(() => previewOrder(a.page))
        .toEqual([
          'Preview of photo 1 (field.jpg)',
          'Preview of photo 2 (barn.jpg)',
          'Preview of photo 3 (lake.jpg)',
        ]);

      await a.page.getByLabel('Alt text for photo 1').fill('A green field');
      await a.page.getByLabel('Alt text for photo 2').fill('A red barn');
      await a.page.getByLabel('Alt text for photo 3').fill('A blue lake');
      await a.page.getByLabel('Caption').fill('Three colours #triptych');
      await shoot(a.page, 'composer-phone');
      await a.page.getByRole('button', { name: 'Share' }).click();
      await a.page.getByText('Your 3 photos are ready.').waitFor({ timeout: 60_000 });
      await a.page.getByRole('link', { name: 'View your post' }).click();
      await a.page.getByTestId('photo-detail').waitFor();
      const postPath = new URL(a.page.url()).pathname;

      // B's feed shows the post as a carousel; the arrow keys go through it in A's order.
      await b.page.getByRole('link', { name: 'Home' }).click();
      const carousel = b.page.getByTestId('feed-list').getByRole('region', { name: '3 photos by @ana_many' });
      await carousel.waitFor();
      expect(await shownAlt(carousel)).toBe('A green field');
      await carousel.locator('.carousel-track').focus();
      await b.page.keyboard.press('ArrowRight');
      await expect.poll(() => shownAlt(carousel)).toBe('A red barn');
      await expect.poll(() => scrolledTo(carousel)).toBe(1);
      expect(
        await carousel
          .getByRole('button', { name: 'Photo 2 of 3', exact: true })
          .getAttribute('aria-current'),
      ).toBe('true');
      await b.page.keyboard.press('ArrowRight');
      await expect.poll(() => shownAlt(carousel)).toBe('A blue lake');
      await expect.poll(() => scrolledTo(carousel)).toBe(2);
      await shoot(b.page, 'feed-carousel-phone');
      await b.page.keyboard.press('ArrowLeft');
      await expect.poll(() => shownAlt(carousel)).toBe('A red barn');
      await expect.poll(() => scrolledTo(carousel)).toBe(1);
      // A swipe is the track scrolling under a finger: the dots and the shown photo follow it.
      await carousel
        .locator('.carousel-track')
        .evaluate((el) => el.scrollTo({ left: 0, behavior: 'instant' }));
      await expect.poll(() => shownAlt(carousel)).toBe('A green field');
      expect(
        await carousel
          .getByRole('button', { name: 'Photo 1 of 3', exact: true })
          .getAttribute('aria-current'),
      ).toBe('true');

      // A edits the caption to mention B; B hears of it live, without a reload.
      await a.page.getByRole('button', { name: 'Edit' }).click();
      await a.page
        .getByRole('form', { name: 'Edit post' })
        .getByLabel('Caption')
        .fill('Three colours #triptych for @ben_many');
      await shoot(a.page, 'edit-phone');
      await a.page.getByRole('button', { name: 'Save changes' }).click();
      await a.page.getByTestId('edited-marker').waitFor();
      await shoot(a.page, 'post-phone');
      expect(await a.page.getByTestId('caption-text').textContent()).toBe(
        'Three colours #triptych for @ben_many',
      );

      await b.page.getByTestId('notification-badge').filter({ hasText: '1' }).waitFor();
      await b.page.getByRole('link', { name: /Notifications/ }).click();
      const mention = b.page.getByRole('listitem').filter({ hasText: 'mentioned you in a post.' });
      await mention.waitFor();
      expect(await mention.locator(`a[href="${postPath}"]`).count()).toBe(1);
      // Its thumbnail is the post's first photo, loaded before the picture is taken.
      const thumb = mention.locator(`a[href="${postPath}"] img`);
      await expect
        .poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
        .toBeTruthy();
      await shoot(b.page, 'mention-phone');

      // B saves the post from the feed and finds it under Saved.
      await b.page.getByRole('link', { name: 'Home' }).click();
      const save = b.page.getByTestId('feed-list').getByTestId('save-button');
      await save.click();
      await b.page
        .getByTestId('feed-list')
        .locator('[data-testid="save-button"][aria-pressed="true"]')
        .waitFor();
      await b.page.getByRole('link', { name: 'Saved' }).click();
      const saved = b.page.getByTestId('photo-grid').locator(`a[href="${postPath}"]`);
      await saved.waitFor();
      expect(await saved.getByRole('img', { name: '3 photos' }).count()).toBe(1);
      await shoot(b.page, 'saved-phone');

      // Saved is private: A's list does not show B's save.
      await a.page.goto(`${stage.webUrl}/saved`);
      await a.page.getByText('Nothing saved yet.', { exact: false }).waitFor();

      expect(unexpectedPageErrors(a)).toEqual([]);
      expect(unexpectedPageErrors(b)).toEqual([]);
    } catch (err) {
      const dir = await saveFailureArtifacts('posts-browser', pages, {
        'api.log': stage.api.output(),
        'web.log': stage.web.output(),
      });
      throw new Error(`${String(err)}\n(screenshots and console in ${dir})`, { cause: err });
    } finally {
      for (const p of pages) await p.context.close();
    }
  }, 240_000);
});
