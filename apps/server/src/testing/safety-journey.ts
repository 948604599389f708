import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import type { SmtpTestServer } from '@graminsta/platform/mail/smtp-test-server';
import { GRAMINSTA_BIN } from '../graminsta-bin.ts';
import { waitForLink } from './mail.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface SafetyStage {
  /** The API's public origin (the balancer's, from stage 4 on). */
  api: string;
  /** The relay the stage's processes send mail through (SMTP_URL). */
  smtp: SmtpTestServer;
  /** What `graminsta admin` needs to reach the stage's database. */
  cliEnv: Record<string, string>;
}

const PASSWORD = 'a trust and safety password';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 11 from outside, against a running multi-process stage: a private account and its
 * follow request, a block, a report resolved by a moderator granted with the CLI, a password reset
 * mailed through SMTP, an export downloaded, and a deletion finished by the worker tier. Every name
 * starts with `prefix`, so one topology can run it once per test file.
 */
export async function safetyJourney(stage: SafetyStage, prefix: string): Promise<void> {
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${stage.api}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const json = (
      res.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : null
    ) as Json;
    return { status: res.status, body: json, bytes: Buffer.from(text, 'latin1') };
  };
  const name = (n: string) => `${prefix}_${n}`;
  const signUp = async (n: string) => {
    const res = await call('POST', '/accounts', undefined, {
      username: name(n),
      password: PASSWORD,
      email: `${name(n)}@example.test`,
    });
    expect(res.status).toBe(201);
    return res.body.token as string;
  };
  const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < 900; i++) {
      const got = await probe();
      if (got !== undefined) return got;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  const [ana, ben, cy, mod] = await Promise.all(['ana', 'ben', 'cy', 'mod'].map(signUp));

  // A private account: Ben asks, sees nothing until Ana accepts, then sees her lists.
  expect((await call('PATCH', '/me', ana, { private: true })).body.private).toBe(true);
  expect((await call('PUT', `/users/${name('ana')}/follow`, ben)).body.state).toBe('requested');
  const hidden = await call('GET', `/users/${name('ana')}/photos`, ben);
  expect([hidden.status, hidden.body.error.code]).toEqual([403, 'private']);
  const requests = await call('GET', '/me/follow-requests', ana);
  expect(requests.body.items.map((u: Json) => u.username)).toEqual([name('ben')]);
  expect((await call('POST', `/me/follow-requests/${name('ben')}/accept`, ana)).status).toBe(200);
  expect((await call('GET', `/users/${name('ana')}/photos`, ben)).status).toBe(200);
  const told = await call('GET', '/notifications', ben);
  expect(told.body.items.map((n: Json) => n.type)).toContain('follow_accept');

  // A block: Cy's profile is gone for Ben, and Ben cannot follow Cy.
  expect((await call('PUT', `/users/${name('ben')}/block`, cy)).body.blocked).toBe(true);
  expect((await call('GET', `/users/${name('cy')}`, ben)).status).toBe(404);
  expect((await call('PUT', `/users/${name('cy')}/follow`, ben)).status).toBe(404);

  // A report, resolved by a moderator granted from the command line: Ben is suspended.
  const benProfile = await call('GET', `/users/${name('ben')}`, ana);
  const report = await call('POST', '/reports', ana, {
    target: { type: 'user', id: benProfile.body.id },
    reason: 'sends threats',
  });
  expect(report.status).toBe(201);
  expect((await call('GET', '/admin/reports', mod)).status).toBe(403);
  await promisify(execFile)(process.execPath, [GRAMINSTA_BIN, 'admin', 'grant', name('mod')], {
    env: { ...process.env, ...stage.cliEnv, LOG_LEVEL: 'warn' },
  });
  const queue = await call('GET', '/admin/reports', mod);
  expect(queue.body.items.map((r: Json) => r.id)).toContain(report.body.id);
  const resolved = await call('POST', `/admin/reports/${report.body.id}/resolve`, mod, {
    action: 'suspend',
    reason: 'threats in messages',
  });
  expect(resolved.status).toBe(200);
  expect((await call('GET', '/me', ben)).status).toBe(401);
  const refused = await call('POST', '/sessions', undefined, { username: name('ben'), password: PASSWORD });
  expect([refused.status, refused.body.error.code]).toEqual([403, 'suspended']);
  const outcome = await call('GET', '/notifications', ana);
  expect(outcome.body.items.find((n: Json) => n.type === 'report_resolved')?.report).toEqual({
    id: report.body.id,
    status: 'suspended',
  });

  // A password reset mailed through the relay: the link works once and ends every session.
  expect(
    (await call('POST', '/password-resets', undefined, { email: `${name('cy')}@example.test` })).status,
  ).toBe(202);
  const token = await waitForLink(() => stage.smtp.parsed(), `${name('cy')}@example.test`, 'reset-password');
  expect(
    (await call('POST', `/password-resets/${token}`, undefined, { password: 'a brand new one' })).status,
  ).toBe(200);
  expect((await call('GET', '/me', cy)).status).toBe(401);
  expect(
    (await call('POST', `/password-resets/${token}`, undefined, { password: 'yet another' })).status,
  ).toBe(410);
  const cyAgain = await call('POST', '/sessions', undefined, {
    username: name('cy'),
    password: 'a brand new one',
  });
  expect(cyAgain.status).toBe(200);

  // An export, prepared by a worker and announced with its link.
  const asked = await call('POST', '/me/export', ana);
  expect(asked.status).toBe(202);
  const link = await until('the export notification', async () => {
    const list = await call('GET', '/notifications', ana);
    return list.body.items.find((n: Json) => n.type === 'export_ready')?.export?.url as string | undefined;
  });
  const zip = await fetch(`${stage.api}${link}`, { headers: { authorization: `Bearer ${ana}` } });
  expect(zip.status).toBe(200);
  expect(zip.headers.get('content-type')).toContain('zip');
  const bytes = Buffer.from(await zip.arrayBuffer());
  expect(bytes.subarray(0, 2).toString()).toBe('PK');
  expect(bytes.includes(Buffer.from('account.json'))).toBe(true);
  expect(
    (await fetch(`${stage.api}${link}`, { headers: { authorization: `Bearer ${cyAgain.body.token}` } }))
      .status,
  ).toBe(404);

  // A deletion: signed out at once, then gone, its follower count given back.
  const deleted = await call('DELETE', '/me', ana, { password: PASSWORD });
  expect(deleted.status).toBe(202);
  expect((await call('GET', '/me', ana)).status).toBe(401);
  expect((await call('GET', `/users/${name('ana')}`, mod)).status).toBe(404);
  await until('the account to be gone', async () => {
    const free = await call('POST', '/accounts', undefined, { username: name('ana'), password: PASSWORD });
    return free.status === 201 ? true : undefined;
  });
}
