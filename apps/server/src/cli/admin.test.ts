import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, pgUrlFor, usingPostgres } from '@graminsta/core/testing/test-db';
import { ConfigError, loadConfig } from '@graminsta/platform';
import { compose } from '../compose.ts';
import { createRuntime } from '../runtime.ts';
import { runGraminsta, startStage1, type Stage1Process } from '../testing/stage1-process.ts';
import { parseAdminArgs, runAdmin } from './admin.ts';

const PASSWORD = 'correct horse battery';

describe('graminsta admin grant|revoke', () => {
  it('parses its arguments and refuses anything else', () => {
    expect(parseAdminArgs(['grant', 'ada'])).toEqual({ action: 'grant', username: 'ada' });
    expect(parseAdminArgs(['revoke', 'ada'])).toEqual({ action: 'revoke', username: 'ada' });
    for (const args of [[], ['grant'], ['promote', 'ada'], ['grant', 'ada', 'extra'], ['grant', '../etc']]) {
      expect(() => parseAdminArgs(args), args.join(' ')).toThrow(ConfigError);
    }
  });

  describe('with no server running', () => {
    let env: Record<string, string>;
    let dbName: string | null = null;
    beforeAll(async () => {
      env = { DATA_DIR: await mkdtemp(join(tmpdir(), 'graminsta-admin-')), LOG_LEVEL: 'silent' };
      if (usingPostgres()) {
        dbName = `graminsta_admin_${process.pid}`;
        await adminQuery(`drop database if exists "${dbName}" with (force)`);
        await adminQuery(`create database "${dbName}"`);
        env.DATABASE_URL = pgUrlFor(dbName);
      }
    });
    afterAll(async () => {
      await rm(env.DATA_DIR!, { recursive: true, force: true });
      if (dbName) await adminQuery(`drop database if exists "${dbName}" with (force)`);
    });

    const roleOf = async (username: string) => {
      const comp = await compose(createRuntime(loadConfig(env), { defaultMetrics: false }));
      try {
        const { user } = await comp.services.accounts.logIn({ username, password: PASSWORD }, { ip: '::1' });
        return user.role;
      } finally {
        await comp.close();
      }
    };

    it('opens the database itself and grants, then revokes, the moderator role', async () => {
      const comp = await compose(createRuntime(loadConfig(env), { defaultMetrics: false }));
      await comp.services.accounts.signUp({ username: 'Ada', password: PASSWORD }, { ip: '::1' });
      await comp.close();
      const printed: string[] = [];
      await runAdmin(env, { action: 'grant', username: 'ada' }, (l) => printed.push(l));
      expect(printed).toEqual(['Ada is now a moderator.']);
      expect(await roleOf('ada')).toBe('moderator');
      await runAdmin(env, { action: 'revoke', username: 'ADA' }, () => {});
      expect(await roleOf('ada')).toBe('user');
      await expect(runAdmin(env, { action: 'grant', username: 'nobody' }, () => {})).rejects.toThrow(
        'no account named "nobody"',
      );
    }, 120_000);
  });

  // The control socket exists only at stage 1 (PGlite): run once, not per database.
  describe.skipIf(usingPostgres())('beside a running stage-1 server', () => {
    let dataDir: string;
    let server: Stage1Process;
    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'graminsta-admin-live-'));
      server = await startStage1(dataDir);
    }, 400_000);
    afterAll(async () => {
      if (server?.child.exitCode === null) server.child.kill('SIGTERM');
      await server?.exited;
      await rm(dataDir, { recursive: true, force: true });
    }, 60_000);

    it('grants through the server: the account is a moderator at once', async () => {
      const signUp = await fetch(`${server.url}/api/v1/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'mia', password: PASSWORD }),
      });
      const { token } = (await signUp.json()) as { token: string };
      const queue = () =>
        fetch(`${server.url}/api/v1/admin/reports`, { headers: { authorization: `Bearer ${token}` } });
      expect((await queue()).status).toBe(403);

      const granted = await runGraminsta(dataDir, ['admin', 'grant', 'mia']);
      expect(granted.code, granted.output).toBe(0);
      expect(granted.output).toContain('mia is now a moderator.');
      expect((await queue()).status).toBe(200);

      const unknown = await runGraminsta(dataDir, ['admin', 'grant', 'nobody']);
      expect(unknown.code).not.toBe(0);
      expect(unknown.output).toContain('no account named "nobody"');

      const revoked = await runGraminsta(dataDir, ['admin', 'revoke', 'mia']);
      expect(revoked.code, revoked.output).toBe(0);
      expect((await queue()).status).toBe(403);
    }, 600_000);
  });
});
