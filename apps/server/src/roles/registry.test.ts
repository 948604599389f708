import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_ROLES, loadConfig, type Role } from '@graminsta/platform';
import { createTestDatabase } from '@graminsta/core/testing/test-db';
import { createRuntime } from '../runtime.ts';
import { startRoles } from '../server.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';
import { buildHttp } from './http.ts';
import { ROLES, rolesToRun } from './registry.ts';
import type { ComposedRole } from './role.ts';

const runtimeOf = (env: Record<string, string> = {}) =>
  createRuntime(loadConfig({ LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: '0', ...env }), {
    logger: pino({ level: 'silent' }),
    defaultMetrics: false,
  });

// One route each HTTP role declares, and nobody else.
const OWN_ROUTE: Partial<Record<Role, { method: 'GET' | 'PUT'; url: string }>> = {
  api: { method: 'GET', url: '/api/openapi.json' },
  storage: { method: 'PUT', url: '/storage/uploads/*' },
  web: { method: 'GET', url: '/config.js' },
};

describe('the role registry', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('has one module per configurable role, under its own name', () => {
    expect(Object.keys(ROLES).sort()).toEqual([...ALL_ROLES].sort());
    for (const [name, role] of Object.entries(ROLES)) expect(role.name).toBe(name);
  });

  it('runs roles in the declared order, whatever order they are named in', () => {
    const declared = Object.keys(ROLES);
    expect(rolesToRun(['realtime', 'web', 'api']).map((r) => r.name)).toEqual(
      declared.filter((name) => ['realtime', 'web', 'api'].includes(name)),
    );
  });

  it.each(ALL_ROLES)(
    'serves the %s role only in a process that runs it, and probes in every one',
    async (name) => {
      const app = await buildHttp(runtimeOf(), rolesToRun([name]), t.comp);
      await app.ready();
      try {
        for (const url of ['/healthz', '/readyz', '/metrics'])
          expect(app.hasRoute({ method: 'GET', url })).toBe(true);
        for (const [role, route] of Object.entries(OWN_ROUTE))
          expect(app.hasRoute(route), role).toBe(role === name);
        // The realtime role has no route: it takes the listener's WebSocket upgrades.
        expect(app.server.listenerCount('upgrade')).toBe(name === 'realtime' ? 1 : 0);
      } finally {
        await app.close();
      }
    },
  );
});

describe('a process running roles', () => {
  it('composes first, starts background work, adds routes, listens last, and stops in reverse', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'graminsta-roles-'));
    const testDb = await createTestDatabase();
    const events: string[] = [];
    const ping = () =>
      testDb.database.ping().then(
        () => 'database open',
        () => 'database closed',
      );
    const background: ComposedRole = {
      name: 'worker',
      composed: true,
      async start() {
        events.push(`worker started, ${await ping()}`);
        return { stop: async () => void events.push(`worker stopped, ${await ping()}`) };
      },
    };
    const onListener = (name: Role): ComposedRole => ({
      name,
      composed: true,
      async http(app: FastifyInstance) {
        events.push(`${name} routes`);
        app.addHook('onListen', async () => void events.push(`${name} listening`));
        app.addHook('preClose', async () => void events.push(`${name} closing, draining: ${app.draining}`));
      },
    });
    const runtime = runtimeOf({ DATA_DIR: dataDir, SECRET: 'test-secret-0123456789' });
    const server = await startRoles(runtime, [background, onListener('api'), onListener('realtime')], {
      database: testDb.database,
    });
    expect(events).toEqual([
      'worker started, database open',
      'api routes',
      'realtime routes',
      'api listening',
      'realtime listening',
    ]);
    events.length = 0;
    await server.stop();
    events.push(await ping());
    expect(events).toEqual([
      'api closing, draining: true',
      'realtime closing, draining: true',
      'worker stopped, database open',
      'database closed',
    ]);
    await rm(dataDir, { recursive: true, force: true });
    // A fresh database and a composition: slow on a loaded machine.
  }, 120_000);
});
