import pino from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@graminsta/platform';
import { originTrust } from '../api/origins.ts';
import { freePort } from '../supervisor/ports.ts';
import { createTestApp, type TestApp } from '../testing/test-app.ts';
import { RealtimeGateway } from './gateway.ts';

describe('the /ws gateway', () => {
  let t: TestApp;
  let gateway: RealtimeGateway;
  let wsUrl: string;
  const WEB = 'http://localhost:5173';

  beforeAll(async () => {
    const port = await freePort();
    t = await createTestApp({ PORT: String(port), HOST: '127.0.0.1', PUBLIC_WEB_URL: WEB });
    gateway = new RealtimeGateway({
      accounts: t.comp.services.accounts,
      events: t.comp.services.events,
      logger: pino({ level: 'silent' }),
      trustedOrigin: originTrust(loadConfig({ PUBLIC_WEB_URL: WEB })),
      authTimeoutMs: 1500,
    });
    gateway.attach(t.app.server);
    await t.app.listen({ port, host: '127.0.0.1' });
    wsUrl = `ws://127.0.0.1:${port}/ws`;
  });
  afterAll(async () => {
    await gateway.close();
    await t.close();
  });

  /** Opens a socket and reports the first thing that happens: ready, or a close code. */
  function firstOutcome(headers: Record<string, string>, auth?: object): Promise<string> {
    return new Promise((resolve) => {
      const ws = new WebSocket(wsUrl, { headers });
      ws.on('open', () => auth && ws.send(JSON.stringify(auth)));
      ws.on('message', (raw) => {
        const msg = JSON.parse(raw.toString()) as { type: string };
        if (msg.type === 'ready') {
          resolve('ready');
          ws.close();
        }
      });
      ws.on('close', (code) => resolve(`closed ${code}`));
    });
  }

  it('authenticates with a token message, and closes with 4401 on a bad one', async () => {
    const token = await t.signUp('socketeer');
    expect(await firstOutcome({}, { type: 'auth', token })).toBe('ready');
    expect(await firstOutcome({}, { type: 'auth', token: 'x'.repeat(43) })).toBe('closed 4401');
  });

  it('takes the session cookie only from a trusted page origin', async () => {
    const token = await t.signUp('cookied');
    const cookie = `graminsta_session=${token}`;
    expect(await firstOutcome({ cookie, origin: WEB })).toBe('ready');
    // Another site's page (or a page on another port) cannot ride on the cookie.
    expect(await firstOutcome({ cookie, origin: 'http://evil.example' })).toBe('closed 4401');
    expect(await firstOutcome({ cookie, origin: 'http://localhost:9999' })).toBe('closed 4401');
  });
});
