import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@graminsta/platform';
import { standing } from '@graminsta/core/testing/standing';
import { users } from '@graminsta/core/db/schema';
import { eq } from 'drizzle-orm';
import { originTrust } from '../../http/origins.ts';
import { RealtimeGateway } from '../../realtime/gateway.ts';
import { SocketProbe } from '../../testing/socket-probe.ts';
import { createTestApp, type TestApp } from '../../testing/test-app.ts';
import { notificationFrom, type Member } from './visibility.world.ts';

/** Through a real /ws socket: a notification recorded before a block or mute never reaches it after. */
describe('the socket after a block or a mute', () => {
  let t: TestApp;
  let gateway: RealtimeGateway;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    t = await createTestApp();
    gateway = new RealtimeGateway({
      accounts: t.comp.services.accounts,
      events: t.comp.services.events,
      logger: pino({ level: 'silent' }),
      trustedOrigin: originTrust(loadConfig({})),
    });
    server = createServer();
    gateway.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
  });
  afterAll(async () => {
    await gateway.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  const member = async (username: string): Promise<Member> => {
    const token = await t.signUp(username);
    const [row] = await t.comp.database.db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.username, username));
    return { id: row!.id, username, token };
  };

  /** The actors of the notifications the socket gets, replayed after `lastEventId` then live, up to a sentinel. */
  async function heard(viewer: Member, lastEventId: string, live: Member[]): Promise<string[]> {
    const events = t.comp.services.events;
    const probe = new SocketProbe(url);
    probe.send({ type: 'auth', token: viewer.token, lastEventId });
    expect(await probe.outcome()).toBe('ready');
    for (const actor of live)
      await events.publish(viewer.id, 'notification', notificationFrom(actor, viewer.id));
    await events.publish(viewer.id, 'photo.failed', { photoId: viewer.id, reason: 'sentinel' });
    expect(await probe.next('photo.failed')).not.toBeNull();
    await probe.close();
    return probe.messages
      .filter((m) => m.type === 'notification')
      .map((m) => (m as unknown as { data: { actor: { username: string } } }).data.actor.username);
  }

  it('replays and sends live only notifications from actors the user still hears from', async () => {
    const [eve, bad, loud, nice] = [
      await member('eve'),
      await member('bad'),
      await member('loud'),
      await member('nice'),
    ];
    const events = t.comp.services.events;
    const before = await events.publish(eve.id, 'photo.failed', { photoId: eve.id, reason: 'start' });
    for (const actor of [bad, loud, nice])
      await events.publish(eve.id, 'notification', notificationFrom(actor, eve.id));
    // Recorded before, decided after: Eve blocks one and mutes another.
    await standing(t.comp.database.db).block(eve.id, bad.id);
    await standing(t.comp.database.db).mute(eve.id, loud.id);
    expect(await heard(eve, before.id, [bad, loud, nice])).toEqual(['nice', 'nice']);
  });
});
