import { z } from 'zod';
import { Id } from './common.ts';
import { text } from './text.ts';

/** Client → server messages on /ws. */
export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: text().min(1).max(200), lastEventId: Id.optional() }),
  z.object({ type: z.literal('ping') }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export const EventType = z.enum(['notification', 'photo.ready', 'photo.failed']);
export type EventType = z.infer<typeof EventType>;

/** Server → client event; ids increase per user. */
export const UserEvent = z.object({ id: Id, type: EventType, data: z.record(z.string(), z.unknown()) });
export type UserEvent = z.infer<typeof UserEvent>;

export type ServerMessage =
  { type: 'ready' } | { type: 'pong' } | { type: 'error'; code: string; message: string } | UserEvent;

/** Close code for a bad or missing token. */
export const WS_CLOSE_UNAUTHENTICATED = 4401;

/** Close code for a socket that broke a rule, such as sending messages too fast. */
export const WS_CLOSE_POLICY = 1008;

/** Close code for a socket over its account's limit of open sockets. */
export const WS_CLOSE_TOO_MANY_SOCKETS = 4429;
