import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpTestServer, type SmtpTestServer } from '@graminsta/platform/mail/smtp-test-server';
import { waitForLink } from '../src/testing/mail.ts';
import { startStage1, type Stage1Process } from '../src/testing/stage1-process.ts';

const PASSWORD = 'correct horse battery';

// Stage 1 is PGlite whatever the test database: this runs the same on both passes.
describe('mail from a running graminsta through a real SMTP server', () => {
  let dataDir: string;
  let smtp: SmtpTestServer;
  let server: Stage1Process | null = null;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'graminsta-mail-'));
    smtp = await startSmtpTestServer({ user: 'relay', pass: 'relay secret' });
    server = await startStage1(dataDir, undefined, {
      SMTP_URL: `smtp://relay:${encodeURIComponent('relay secret')}@127.0.0.1:${smtp.port}`,
      MAIL_FROM: 'Graminsta Test <mail@graminsta.test>',
    });
  }, 120_000);
  afterAll(async () => {
    if (server?.child.exitCode === null) server.child.kill('SIGTERM');
    await server?.exited;
    await smtp?.close();
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  const post = (path: string, body?: unknown) =>
    fetch(`${server!.url}${path}`, {
      method: 'POST',
      ...(body !== undefined && {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    });

  it('delivers a verification and a reset mail whose links point at the site and work once', async () => {
    const signUp = await post('/api/v1/accounts', {
      username: 'mailer',
      password: PASSWORD,
      email: 'mailer@example.com',
    });
    expect(signUp.status).toBe(201);
    const { token } = (await signUp.json()) as { token: string };

    const verify = await waitForLink(smtp.parsed, 'mailer@example.com', 'verify-email');
    const [first] = await smtp.parsed();
    expect(first?.text).toContain(`${server!.url}/verify-email/${verify}`);
    expect(first?.from?.value[0]?.address).toBe('mail@graminsta.test');
    expect((await post(`/api/v1/email-verifications/${verify}`)).status).toBe(200);
    expect((await post(`/api/v1/email-verifications/${verify}`)).status).toBe(410);

    expect((await post('/api/v1/password-resets', { email: 'MAILER@example.com' })).status).toBe(202);
    const reset = await waitForLink(smtp.parsed, 'mailer@example.com', 'reset-password');
    const used = await post(`/api/v1/password-resets/${reset}`, { password: 'a new password here' });
    expect(used.status).toBe(200);
    const me = await fetch(`${server!.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(401);
    expect((await post(`/api/v1/password-resets/${reset}`, { password: 'another password' })).status).toBe(
      410,
    );
    const logIn = await post('/api/v1/sessions', { username: 'mailer', password: 'a new password here' });
    expect(logIn.status).toBe(200);
    // The relay carried the token; the process's own output never did.
    expect(server!.output()).not.toContain(reset);
  }, 120_000);
});
