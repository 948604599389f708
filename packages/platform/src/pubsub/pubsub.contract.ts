import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Json, PubSub } from '../ports.ts';

const WAIT = { timeout: 5000, interval: 10 };

/** The behaviour every PubSub adapter shares. Channel names are unique per test so a shared server is fine. */
export function pubsubContract(name: string, factory: () => Promise<PubSub>): void {
  describe(`PubSub contract: ${name}`, () => {
    let bus: PubSub;
    let prefix: string;
    const ch = (channel: string) => `${prefix}.${channel}`;
    const recorder = () => {
      const got: Json[] = [];
      return { got, handler: (m: Json) => void got.push(m) };
    };

    beforeEach(async () => {
      bus = await factory();
      prefix = `t${Math.random().toString(36).slice(2)}`;
    });
    afterEach(async () => {
      await bus.close();
    });

    it('delivers a published message to a subscriber, as a copy of the JSON', async () => {
      const r = recorder();
      await bus.subscribe(ch('a'), r.handler);
      const message = {
        type: 'photo.ready',
        data: { id: '9007199254740993', sizes: [150, 1080] },
        none: null,
      };
      await bus.publish(ch('a'), message);
      await vi.waitFor(() => expect(r.got).toEqual([message]), WAIT);
      expect(r.got[0]).not.toBe(message);
    });

    it('delivers messages of one channel in the order published', async () => {
      const r = recorder();
      await bus.subscribe(ch('a'), r.handler);
      for (let i = 1; i <= 5; i++) await bus.publish(ch('a'), i);
      await vi.waitFor(() => expect(r.got).toEqual([1, 2, 3, 4, 5]), WAIT);
    });

    it('delivers to every subscriber of the channel', async () => {
      const one = recorder();
      const two = recorder();
      await bus.subscribe(ch('a'), one.handler);
      await bus.subscribe(ch('a'), two.handler);
      await bus.publish(ch('a'), 'hello');
      await vi.waitFor(() => {
        expect(one.got).toEqual(['hello']);
        expect(two.got).toEqual(['hello']);
      }, WAIT);
    });

    it('keeps channels apart', async () => {
      const x = recorder();
      const y = recorder();
      await bus.subscribe(ch('x'), x.handler);
      await bus.subscribe(ch('y'), y.handler);
      await bus.publish(ch('y'), 'for y');
      await bus.publish(ch('x'), 'for x');
      await vi.waitFor(() => expect(x.got).toEqual(['for x']), WAIT);
      await vi.waitFor(() => expect(y.got).toEqual(['for y']), WAIT);
    });

    it('stops delivering after unsubscribe', async () => {
      const gone = recorder();
      const stays = recorder();
      const unsubscribe = await bus.subscribe(ch('a'), gone.handler);
      await bus.subscribe(ch('a'), stays.handler);
      await unsubscribe();
      await bus.publish(ch('a'), 'after');
      // The remaining subscriber hearing it proves the message went through the bus.
      await vi.waitFor(() => expect(stays.got).toEqual(['after']), WAIT);
      expect(gone.got).toEqual([]);
    });

    it('keeps delivering to other subscribers when one handler throws', async () => {
      const r = recorder();
      await bus.subscribe(ch('a'), () => {
        throw new Error('handler bug');
      });
      await bus.subscribe(ch('a'), r.handler);
      await bus.publish(ch('a'), 1);
      await bus.publish(ch('a'), 2);
      await vi.waitFor(() => expect(r.got).toEqual([1, 2]), WAIT);
    });
  });
}
