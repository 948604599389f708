import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { describe, expect, it } from 'vitest';
import { FROM, mailerContract } from './mailer.contract.ts';
import { SmtpMailer } from './smtp.mailer.ts';

/** A real SMTP server on a free loopback port, keeping every message it accepts. */
export async function startSmtpServer(opts: { user?: string; pass?: string } = {}) {
  const received: Array<{ from: string; to: string[]; raw: Buffer }> = [];
  const server = new SMTPServer({
    authOptional: !opts.user,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === opts.user && auth.password === opts.pass) callback(null, { user: auth.username });
      else callback(new Error('bad credentials'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

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
    expect(smtp.received.map((m) => [m.from, m.to])).toEqual([['no-reply@graminsta.test', ['b@example.com']]]);
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
