import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraminstaClient } from '@graminsta/sdk';
import { runGraminsta, startStage1, type Stage1Process } from '@graminsta/server/testing/stage1-process';
import {
  expectAccessible,
  launchChromium,
  openPage,
  saveFailureArtifacts,
  unexpectedPageErrors,
  type WatchedPage,
  signUpThrough,
} from './browser.ts';
import { ensureWebBuild } from './stage3-topology.ts';

const DESKTOP = { width: 1200, height: 900 };
const PASSWORD = 'correct horse battery';

const signUp = (p: WatchedPage, url: string, username: string) => signUpThrough(p, url, username, PASSWORD);

// Chromium runs once: the browser side does not change with the database behind the API. One
// stage-1 process (PGlite, every role) is the cheapest site that still has the CLI beside it.
describe.skipIf(process.env.TEST_DATABASE === 'postgres')('a report handled in the moderation page', () => {
  let server: Stage1Process;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    ensureWebBuild();
    dataDir = await mkdtemp(join(tmpdir(), 'graminsta-moderation-'));
    server = await startStage1(dataDir);
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (server?.child.exitCode === null) server.child.kill('SIGTERM');
    await server?.exited;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('a user reports a post from its menu; a moderator removes it; the reporter is told', async () => {
    // The poster works through the SDK: this test is about the report, not the composer.
    const poster = new GraminstaClient({
      baseUrl: server.url,
      token: (
        await new GraminstaClient({ baseUrl: server.url }).signUp({
          body: { username: 'pia_posts', password: PASSWORD },
        })
      ).token,
    });
    const bytes = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#bb3e03' } })
      .jpeg()
      .toBuffer();
    const posted = await poster.postPhoto(new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), {
      caption: 'cheap followers, dm me',
      altText: 'An orange square',
    });
    expect((await poster.waitForPhoto(posted.id, { pollMs: 200 })).status).toBe('ready');

    const reporter = await openPage(browser, 'reporter', DESKTOP);
    const mod = await openPage(browser, 'moderator', DESKTOP);
    const pages = [reporter, mod];
    try {
      // The reporter opens the post and reports it from "More options".
      await signUp(reporter, server.url, 'rex_reports');
      await reporter.page.goto(`${server.url}/p/${posted.id}`);
      await reporter.page.getByTestId('photo-detail').waitFor();
      await reporter.page.getByRole('button', { name: 'More options' }).click();
      await reporter.page.getByRole('menuitem', { name: 'Report' }).click();
      const dialog = reporter.page.getByRole('dialog', { name: 'Report this post' });
      await dialog.getByLabel('Why should a moderator look at it?').fill('Selling fake followers');
      await expectAccessible(reporter.page, 'the report form on a post');
      await dialog.getByRole('button', { name: 'Send report' }).click();
      await dialog.getByText('A moderator will look at this post').waitFor();

      // The moderator is granted the role by the CLI, beside the running server.
      await signUp(mod, server.url, 'mo_moderates');
      expect(await mod.page.getByRole('link', { name: 'Moderation' }).count()).toBe(0);
      const granted = await runGraminsta(dataDir, ['admin', 'grant', 'mo_moderates']);
      expect(granted.code, granted.output).toBe(0);
      await mod.page.reload();
      await mod.page.getByRole('link', { name: 'Moderation' }).click();
      const item = mod.page.getByTestId('report-item');
      await item.waitFor();
      expect(await item.getByLabel('Reason given').textContent()).toBe('Selling fake followers');
      expect(await item.textContent()).toContain('cheap followers, dm me');
      expect(await item.textContent()).toContain('rex_reports');
      const image = item.getByRole('img', { name: 'An orange square' });
      await expect
        .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
        .toBeGreaterThan(0);

      await expectAccessible(mod.page, 'the moderation queue');
      await item.getByLabel('Your reason (kept in the moderation log)').fill('Spam for sale');
      await item.getByRole('button', { name: 'Remove' }).click();
      await mod.page.getByText('No open reports.').waitFor();

      // The post is gone, and the reporter hears of the outcome live.
      expect((await fetch(`${server.url}/api/v1/photos/${posted.id}`)).status).toBe(404);
      await reporter.page.getByTestId('notification-badge').filter({ hasText: '1' }).waitFor();
      await reporter.page.getByRole('link', { name: /Notifications/ }).click();
      await reporter.page
        .getByRole('listitem')
        .filter({ hasText: 'acted on your report: the content is gone.' })
        .waitFor();

      expect(unexpectedPageErrors(reporter)).toEqual([]);
      expect(unexpectedPageErrors(mod)).toEqual([]);
    } catch (err) {
      const dir = await saveFailureArtifacts('moderation-browser', pages, { 'server.log': server.output() });
      throw new Error(`${String(err)}\n(screenshots and console in ${dir})`, { cause: err });
    } finally {
      for (const p of pages) await p.context.close();
    }
  }, 240_000);
});
