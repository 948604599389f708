import type { Json, PubSub, Unsubscribe } from '../ports.ts';

type Handler = (message: Json) => void;

/** In-process pub/sub (stage 1): one emitter, each handler gets its own copy of the message. */
export class MemoryPubSub implements PubSub {
  private readonly channels = new Map<string, Set<Handler>>();
  private closed = false;

  constructor(private readonly onHandlerError: (err: unknown, channel: string) => void = () => {}) {}

  async publish(channel: string, message: Json): Promise<void> {
    if (this.closed) throw new Error('pubsub is closed');
    const text = JSON.stringify(message);
    // Snapshot: a handler that unsubscribes (or subscribes) mid-delivery does not disturb this round.
    for (const handler of [...(this.channels.get(channel) ?? [])]) {
      deliverSafely(handler, JSON.parse(text) as Json, (err) => this.onHandlerError(err, channel));
    }
  }

  async subscribe(channel: string, handler: Handler): Promise<Unsubscribe> {
    if (this.closed) throw new Error('pubsub is closed');
    // Wrap so that subscribing the same function twice gives two independent subscriptions.
    const entry: Handler = (message) => handler(message);
    let set = this.channels.get(channel);
    if (!set) this.channels.set(channel, (set = new Set()));
    set.add(entry);
    return async () => {
      const current = this.channels.get(channel);
      current?.delete(entry);
      if (current?.size === 0) this.channels.delete(channel);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
  }
}

/** Runs one handler; a throw (or rejected promise) is reported, never passed on to other handlers. */
export function deliverSafely(handler: Handler, message: Json, onError: (err: unknown) => void): void {
  try {
    const result = handler(message) as unknown;
    if (result instanceof Promise) result.catch(onError);
  } catch (err) {
    onError(err);
  }
}
