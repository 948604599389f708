import { z } from 'zod';
import { Id } from './common.ts';
import { Photo } from './photos.ts';
import { Notification } from './social.ts';
import { text } from './text.ts';

/** Client → server messages on /ws. */
export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: text().min(1).max(200), lastEventId: Id.optional() }),
  z.object({ type: z.literal('ping') }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

const event = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.object({ id: Id, type: z.literal(type), data });

/**
 * Server → client events, ids increasing per user: THE list of event types. Adding one is one
 * entry here; the publisher, the socket and every client are typed by it.
 */
export const UserEvent = z.discriminatedUnion('type', [
  /** A follow, like or comment addressed to the user: the notification as the list shows it. */
  event('notification', Notification),
  /** One of the user's photos has its variants. */
  event('photo.ready', z.object({ photo: Photo })),
  /** One of the user's photos could not be processed (not an image, too large …). */
  event('photo.failed', z.object({ photoId: Id, reason: z.string() })),
  /** A post of an account the user follows became ready (sent to followers online at the time). */
  event('post.new', z.object({ photoId: Id, author: z.object({ id: Id, username: z.string() }) })),
]);
export type UserEvent = z.infer<typeof UserEvent>;
export type EventType = UserEvent['type'];
export const EVENT_TYPES = UserEvent.options.map((o) => o.shape.type.value) as EventType[];
/** The `data` an event of type T carries. */
export type EventData<T extends EventType> = Extract<UserEvent, { type: T }>['data'];

export type ServerMessage =
  { type: 'ready' } | { type: 'pong' } | { type: 'error'; code: string; message: string } | UserEvent;

/** Close code for a bad or missing token. */
export const WS_CLOSE_UNAUTHENTICATED = 4401;

/** Close code for a socket that broke a rule, such as sending messages too fast. */
export const WS_CLOSE_POLICY = 1008;

/** Close code for a socket over its account's limit of open sockets. */
export const WS_CLOSE_TOO_MANY_SOCKETS = 4429;
