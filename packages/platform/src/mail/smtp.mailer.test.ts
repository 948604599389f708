import { describe, expect, it } from 'vitest';
import { FROM, mailerContract } from './mailer.contract.ts';
import { SmtpMailer } from './smtp.mailer.ts';
import { startSmtpTestServer as startSmtpServer } from './smtp-test-server.ts';

mailerContract('SmtpMailer', async () => {
  const smtp = await startSmtpServer();
  const mailer = new SmtpMailer({ url: `smtp://127.0.0.1:${smtp.port}`, from: FROM });
  return {
    mailer,
    delivered: async () => smtp.received.map((m) => m.raw),
    close: async () => {
      await mailer.close();
      await smtp.close();
    },
  };
});

describe('SmtpMailer', () => {
  it('signs in with the credentials in SMTP_URL and sets the envelope from MAIL_FROM', async () => {
    const smtp = await startSmtpServer({ user: 'relay', pass: 'p@ss word' });
    const mailer = new SmtpMailer({
      url: `smtp://relay:${encodeURIComponent('p@ss word')}@127.0.0.1:${smtp.port}`,
      from: FROM,
    });
    await mailer.send({ to: 'b@example.com', subject: 's', text: 't' });
    expect(smtp.received.map((m) => [m.from, m.to])).toEqual([
      ['no-reply@graminsta.test', ['b@example.com']],
    ]);
    await mailer.close();
    await smtp.close();
  });

  it('fails the send when the relay refuses it, so the job that sent it retries', async () => {
    const smtp = await startSmtpServer({ user: 'relay', pass: 'right' });
    const mailer = new SmtpMailer({ url: `smtp://relay:wrong@127.0.0.1:${smtp.port}`, from: FROM });
    await expect(mailer.send({ to: 'b@example.com', subject: 's', text: 't' })).rejects.toThrow();
    expect(smtp.received).toHaveLength(0);
    await mailer.close();
    await smtp.close();
  });
});
