import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxMails, waitForLink } from '@graminsta/server/testing/mail';
import { launchChromium, openPage, saveFailureArtifacts, unexpectedPageErrors } from './browser.ts';
import { ensureWebBuild, startStage3, type Stage3 } from './stage3-topology.ts';

const PHONE = { width: 390, height: 844 };

// Chromium runs once: the browser side does not change with the database behind the API.
describe.skipIf(process.env.TEST_DATABASE === 'postgres')('e-mail and recovery, in Chromium', () => {
  let stage: Stage3;
  let browser: Browser;

  beforeAll(async () => {
    ensureWebBuild();
    stage = await startStage3();
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stage?.stop();
  });

  it('confirms the address from its mailed link, resets a forgotten password, and lists the device', async () => {
    const p = await openPage(browser, 'recovery-phone', PHONE);
    const { page } = p;
    const mails = () => outboxMails(stage.api.dataDir);
    try {
      await page.goto(`${stage.webUrl}/signup`);
      await page.getByLabel('Username').fill('rita_reset');
      await page.getByLabel('E-mail (optional)').fill('rita@example.com');
      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.getByRole('button', { name: 'Log out' }).waitFor();

      // The link leads to the web tier (PUBLIC_WEB_URL), not the API.
      const verify = await waitForLink(mails, 'rita@example.com', 'verify-email');
      expect((await mails())[0]?.text).toContain(`${stage.webUrl}/verify-email/${verify}`);
      await page.goto(`${stage.webUrl}/verify-email/${verify}`);
      await page.getByText('Your e-mail address is confirmed.').waitFor();
      await page.goto(`${stage.webUrl}/settings`);
      await page.getByText('rita@example.com is confirmed.').waitFor();
      const devices = page.getByRole('list', { name: 'Signed-in devices' });
      await devices.getByText('This device').waitFor();
      expect(await devices.getByRole('listitem').count()).toBe(1);

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.goto(`${stage.webUrl}/login`);
      await page.getByRole('link', { name: 'Forgot password?' }).click();
      await page.getByLabel('Your account’s e-mail address').fill('rita@example.com');
      await page.getByRole('button', { name: 'Mail me a link' }).click();
      await page.getByText('a link to choose a new password is on its way', { exact: false }).waitFor();

      const reset = await waitForLink(mails, 'rita@example.com', 'reset-password');
      await page.goto(`${stage.webUrl}/reset-password/${reset}`);
      await page.getByLabel('New password', { exact: true }).fill('a brand new password');
      await page.getByLabel('New password again').fill('a brand new password');
      await page.getByRole('button', { name: 'Set the password' }).click();
      await page.getByText('every device was signed out', { exact: false }).waitFor();

      await page.getByRole('link', { name: 'Log in' }).last().click();
      await page.getByLabel('Username').fill('rita_reset');
      await page.getByLabel('Password', { exact: true }).fill('a brand new password');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      expect(unexpectedPageErrors(p)).toEqual([]);
    } catch (err) {
      const dir = await saveFailureArtifacts('recovery-browser', [p], {
        'api.log': stage.api.output(),
        'web.log': stage.web.output(),
      });
      throw new Error(`${String(err)}\n(screenshots and console in ${dir})`, { cause: err });
    } finally {
      await p.context.close();
    }
  }, 240_000);
});
