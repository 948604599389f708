import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FROM, mailerContract } from './mailer.contract.ts';
import { OutboxMailer } from './outbox.mailer.ts';

async function emlFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.eml')).sort();
}

mailerContract('OutboxMailer', async () => {
  const root = await mkdtemp(join(tmpdir(), 'outbox-'));
  const dir = join(root, 'outbox');
  return {
    mailer: new OutboxMailer({ dir, from: FROM }),
    delivered: async () => Promise.all((await emlFiles(dir)).map((n) => readFile(join(dir, n)))),
    close: () => rm(root, { recursive: true, force: true }),
  };
});

describe('OutboxMailer', () => {
  it('writes one private .eml file per mail and says where, with the subject but not the body', async () => {
    const root = await mkdtemp(join(tmpdir(), 'outbox-'));
    const dir = join(root, 'outbox');
    const told: unknown[] = [];
    const mailer = new OutboxMailer({ dir, from: FROM, onWritten: (info) => told.push(info) });
    await mailer.send({ to: 'a@example.com', subject: 'Reset your password', text: 'secret-link' });
    const [name] = await emlFiles(dir);
    expect(told).toEqual([{ file: join(dir, name!), to: 'a@example.com', subject: 'Reset your password' }]);
    expect(JSON.stringify(told)).not.toContain('secret-link');
    expect((await stat(join(dir, name!))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    await rm(root, { recursive: true, force: true });
  });
});
