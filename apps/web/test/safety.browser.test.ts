import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraminstaClient } from '@graminsta/sdk';
import { startStage1, type Stage1Process } from '@graminsta/server/testing/stage1-process';
import {
  launchChromium,
  openPage,
  saveFailureArtifacts,
  unexpectedPageErrors,
  type WatchedPage,
  logInThrough,
} from './browser.ts';
import { ensureWebBuild } from './stage3-topology.ts';

const PASSWORD = 'correct horse battery';
const OWNER = 'pia_private';
const FAN = 'rex_asks';

const logIn = (p: WatchedPage, url: string, username: string) => logInThrough(p, url, username, PASSWORD);

// Chromium runs once: the browser side does not change with the database behind the API.
describe.skipIf(process.env.TEST_DATABASE === 'postgres')('private accounts and blocks, in Chromium', () => {
  let server: Stage1Process;
  let browser: Browser;
  let dataDir: string;
  let photoPath: string;

  beforeAll(async () => {
    ensureWebBuild();
    dataDir = await mkdtemp(join(tmpdir(), 'graminsta-safety-'));
    // One stage-1 process: every role, one origin. The limits stay on, far from three sign-ups.
    server = await startStage1(dataDir);
    browser = await launchChromium();

    // The owner's account is private and holds one ready photo; the fan exists. Both by API.
    const api = (token?: string) => new GraminstaClient({ baseUrl: server.url, token });
    const owner = api((await api().signUp({ body: { username: OWNER, password: PASSWORD } })).token);
    await api().signUp({ body: { username: FAN, password: PASSWORD } });
    await owner.updateMe({ body: { private: true } });
    const jpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#2a9d8f' } })
      .jpeg()
      .toBuffer();
    const posted = await owner.postPhoto(new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), {
      altText: 'A teal square, for followers only',
    });
    expect((await owner.waitForPhoto(posted.id, { pollMs: 200 })).status).toBe('ready');
    photoPath = `/p/${posted.id}`;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('a private account accepts a request, then blocks from the profile menu', async () => {
    const fan = await openPage(browser, 'fan', { width: 1000, height: 800 });
    const owner = await openPage(browser, 'owner', { width: 1000, height: 800 });
    const pages = [fan, owner];
    const grid = (p: WatchedPage) => p.page.getByTestId('photo-grid').locator(`a[href="${photoPath}"]`);
    try {
      // (a) The fan asks; the button says so, and the photos stay hidden.
      await logIn(fan, server.url, FAN);
      await fan.page.goto(`${server.url}/u/${OWNER}`);
      await fan.page.getByText('This account is private. Follow it to see its photos.').waitFor();
      await fan.page.getByRole('button', { name: 'Follow' }).click();
      await fan.page.getByRole('button', { name: 'Requested' }).waitFor();
      await fan.page.reload();
      await fan.page.getByRole('button', { name: 'Requested' }).waitFor();

      // The owner follows the notification to /requests and accepts.
      await logIn(owner, server.url, OWNER);
      await owner.page.getByRole('link', { name: /Notifications/ }).click();
      await owner.page.getByRole('listitem').filter({ hasText: 'asked to follow you.' }).waitFor();
      await owner.page.getByRole('link', { name: 'Review follow requests' }).click();
      await owner.page.getByRole('heading', { name: 'Follow requests' }).waitFor();
      await owner.page.getByRole('button', { name: `Accept ${FAN}` }).click();
      await owner.page.getByText('No pending requests.').waitFor();

      // The fan now follows and sees the photo.
      await fan.page.reload();
      await fan.page.getByRole('button', { name: 'Following' }).waitFor();
      await grid(fan).waitFor();

      // (b) The owner blocks the fan from the fan's profile menu, after confirming.
      await owner.page.goto(`${server.url}/u/${FAN}`);
      await owner.page.getByRole('button', { name: `More options for ${FAN}` }).click();
      await owner.page.getByRole('menuitem', { name: 'Block' }).click();
      const confirm = owner.page.getByRole('alertdialog', { name: `Block ${FAN}?` });
      await confirm.getByRole('button', { name: 'Block' }).click();
      await confirm.waitFor({ state: 'detached' });
      await owner.page.getByRole('button', { name: `More options for ${FAN}` }).click();
      await owner.page.getByRole('menuitem', { name: 'Unblock' }).waitFor();

      // To the blocked fan, the owner's profile no longer exists (the read side's 404).
      await fan.page.reload();
      await fan.page.getByRole('alert').filter({ hasText: 'user not found' }).waitFor();
      expect(await grid(fan).count()).toBe(0);
      // The owner lost a follower: the count on the owner's own profile says so.
      await owner.page.goto(`${server.url}/u/${OWNER}`);
      await owner.page.getByText('0 followers').waitFor();

      for (const p of pages) expect(unexpectedPageErrors(p), p.name).toEqual([]);
    } catch (err) {
      const dir = await saveFailureArtifacts('safety', pages, { 'server.log': server.output() });
      throw new Error(`${String(err)}\n(artifacts in ${dir})`, { cause: err });
    } finally {
      for (const p of pages) await p.context.close();
    }
  }, 180_000);
});
