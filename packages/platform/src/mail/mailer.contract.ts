import { simpleParser, type ParsedMail } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import type { Mailer } from '../ports.ts';

/** An adapter under test, and a way to read back, as parsed messages, what it delivered. */
export interface MailerHarness {
  mailer: Mailer;
  /** Raw RFC 5322 messages delivered so far, oldest first. */
  delivered(): Promise<Buffer[]>;
  close(): Promise<void>;
}

export const FROM = 'Graminsta <no-reply@graminsta.test>';

async function parsedMails(h: MailerHarness): Promise<ParsedMail[]> {
  return Promise.all((await h.delivered()).map((raw) => simpleParser(raw)));
}

/** The one suite every Mailer adapter passes. */
export function mailerContract(name: string, make: () => Promise<MailerHarness>): void {
  describe(`Mailer contract: ${name}`, () => {
    let h: MailerHarness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it('delivers the recipient, sender, subject and text unchanged, UTF-8 included', async () => {
      h = await make();
      await h.mailer.send({
        to: 'zoë@example.com',
        subject: 'Réinitialiser — reset 🔑',
        text: 'Follow https://web.test/reset-password/abc_DEF-123 within 30 minutes.\nCafé.',
      });
      const mails = await parsedMails(h);
      expect(mails).toHaveLength(1);
      const [mail] = mails;
      expect(mail?.from?.value[0]).toMatchObject({ name: 'Graminsta', address: 'no-reply@graminsta.test' });
      expect(mail?.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : null).toBe('zoë@example.com');
      expect(mail?.subject).toBe('Réinitialiser — reset 🔑');
      expect(mail?.text?.trim()).toBe(
        'Follow https://web.test/reset-password/abc_DEF-123 within 30 minutes.\nCafé.',
      );
    });

    it('carries an HTML copy beside the text when given one', async () => {
      h = await make();
      await h.mailer.send({
        to: 'a@example.com',
        subject: 'Verify',
        text: 'plain copy',
        html: '<p>rich <a href="https://web.test/x">copy</a></p>',
      });
      const [mail] = await parsedMails(h);
      expect(mail?.text?.trim()).toBe('plain copy');
      expect(mail?.html).toContain('<a href="https://web.test/x">copy</a>');
    });

    it('keeps a newline in a subject from becoming a header of its own', async () => {
      h = await make();
      await h.mailer.send({ to: 'a@example.com', subject: 'Hi\r\nBcc: victim@example.com', text: 'x' });
      const [raw] = await h.delivered();
      expect(raw?.toString('latin1')).not.toMatch(/^Bcc:/im);
    });

    it('delivers several mails, each once and in order', async () => {
      h = await make();
      for (const n of [1, 2, 3])
        await h.mailer.send({ to: `u${n}@example.com`, subject: `m${n}`, text: 'x' });
      const subjects = (await parsedMails(h)).map((m) => m.subject);
      expect(subjects).toEqual(['m1', 'm2', 'm3']);
    });
  });
}
