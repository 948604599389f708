import type { EventData, UserEvent } from '@graminsta/contracts';
import type { Json } from '@graminsta/platform';

/** The one process-wide channel that carries fan-out messages (every realtime process listens once). */
export const FANOUT_CHANNEL = 'fanout';

/**
 * One event body for many users: `post.new` to a batch of followers is one bus message, not one
 * per follower. `to` pairs each recipient with the id of their own stored row (user_events), in
 * the order the rows were made.
 */
export interface FanoutMessage {
  type: 'post.new';
  data: EventData<'post.new'>;
  to: [userId: string, eventId: string][];
}

/** Room left for the bus's own envelope (the postgres bus wraps `{channel, message}`). */
const ENVELOPE_BYTES = 200;

/**
 * Splits `to` into messages that each serialize to at most `maxBytes` (a NOTIFY payload is capped
 * near 8000 bytes); without a limit, one message carries the whole batch.
 */
export function fanoutMessages(
  type: FanoutMessage['type'],
  data: FanoutMessage['data'],
  to: FanoutMessage['to'],
  maxBytes?: number,
): FanoutMessage[] {
  if (to.length === 0) return [];
  if (maxBytes === undefined) return [{ type, data, to }];
  const room = maxBytes - ENVELOPE_BYTES - Buffer.byteLength(JSON.stringify({ type, data, to: [] }));
  const out: FanoutMessage[] = [];
  let chunk: FanoutMessage['to'] = [];
  let used = 0;
  for (const pair of to) {
    // `["userId","eventId"],` — ids are digits, so characters are bytes.
    const size = pair[0].length + pair[1].length + 8;
    if (size > room) throw new Error('fan-out event body is too large for this bus');
    if (used + size > room && chunk.length > 0) {
      out.push({ type, data, to: chunk });
      chunk = [];
      used = 0;
    }
    chunk.push(pair);
    used += size;
  }
  out.push({ type, data, to: chunk });
  return out;
}

/** What a subscriber gets for one recipient: the event, and its frame text, built once from a shared body. */
export interface FanoutDelivery {
  event: UserEvent;
  frame: string;
}

/**
 * Reads a fan-out message off the bus, or null when it is not one. Trusted like every bus message
 * (only the announcer writes this channel); only its outline is checked, so a stray publish
 * cannot throw inside a dispatch loop.
 */
export function readFanout(message: Json): FanoutMessage | null {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return null;
  const m = message as Record<string, unknown>;
  if (m.type !== 'post.new' || typeof m.data !== 'object' || !Array.isArray(m.to)) return null;
  return message as unknown as FanoutMessage;
}

/**
 * Builds each recipient's frame from the body serialized once: `{"id":"…",` spliced before the
 * rest of `{"type":…,"data":…}`. The same text JSON.stringify({id, type, data}) would give.
 */
export function frameMaker(msg: FanoutMessage): (eventId: string) => FanoutDelivery {
  const body = JSON.stringify({ type: msg.type, data: msg.data }).slice(1);
  return (eventId) => ({
    // The data object is shared between recipients: subscribers only read events.
    event: { id: eventId, type: msg.type, data: msg.data },
    frame: `{"id":${JSON.stringify(eventId)},${body}`,
  });
}
