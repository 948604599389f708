import type { EventData, EventType, UserEvent } from '@graminsta/contracts';
import type { Db, Json, PubSub, Unsubscribe } from '@graminsta/platform';
import { MUTABLE_NOTIFICATIONS } from '../policies/audience.sql.ts';
import { StandingRepository } from '../policies/standing.repository.ts';
import type { EventService } from '../services.ts';
import { decodeIdCursor } from '../shared/pagination.ts';
import { EventRepository, type EventRow } from './event.repository.ts';
import { FANOUT_CHANNEL, frameMaker, readFanout } from './fanout.ts';
import { PostAnnouncer, type Announced } from './post-announcer.ts';
import { everyoneOnline, type Presence } from './presence.ts';

export interface EventServiceDeps {
  db: Db;
  pubsub: PubSub;
  /** How long events stay replayable; the realtime contract promises at least 24 hours. */
  retentionMs?: number;
  /** Most events one catch-up returns; a client further behind reloads instead. */
  maxReplay?: number;
  now?: () => Date;
  /** Where a live event that could not be checked is reported (it is dropped, not sent unchecked). */
  onError?: (err: unknown) => void;
  /** Who is online, for `post.new` (everyone when not given). */
  presence?: Presence;
  /** Followers per `post.new` batch. */
  announceBatch?: number;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

export const userChannel = (userId: string) => `user:${userId}`;

/** A subscriber's callback: the event, and its frame text when it was built already (fan-out). */
type OnEvent = (event: UserEvent, frame?: string) => void;

/** One subscription: its callback, and the in-order queue of events waiting on a check. */
interface Listener {
  onEvent: OnEvent;
  queue: Promise<void>;
  /** Events in `queue` not yet handed over; at 0 an unchecked event can go straight through. */
  pending: number;
}

/** Types whose live delivery asks the database first (stillWelcome); the others need no check. */
const CHECKED: ReadonlySet<EventType> = new Set(['notification', 'post.new']);

export class EventServiceImpl implements EventService {
  private readonly events: EventRepository;
  private readonly standing: StandingRepository;
  private readonly retentionMs: number;
  private readonly maxReplay: number;
  private readonly now: () => Date;
  private readonly announcer: PostAnnouncer;
  /** This process's subscribers by user, for fan-out messages (one bus subscription for them all). */
  private readonly listeners = new Map<string, Set<Listener>>();
  private fanout: Promise<Unsubscribe> | null = null;

  constructor(private readonly deps: EventServiceDeps) {
    this.events = new EventRepository(deps.db);
    this.standing = new StandingRepository(deps.db);
    this.retentionMs = deps.retentionMs ?? DAY_MS;
    this.maxReplay = deps.maxReplay ?? 500;
    this.now = deps.now ?? (() => new Date());
    this.announcer = new PostAnnouncer({
      db: deps.db,
      pubsub: deps.pubsub,
      presence: deps.presence ?? everyoneOnline,
      batchSize: deps.announceBatch,
      now: this.now,
      onError: deps.onError,
    });
  }

  announcePost(photoId: string): Promise<Announced> {
    return this.announcer.announce(photoId);
  }

  async publish<T extends EventType>(userId: string, type: T, data: EventData<T>): Promise<UserEvent> {
    // Stored first, so that a client reconnecting right after can still fetch it with since().
    const event = toEvent(await this.events.insert(userId, type, data, this.now()));
    await this.deps.pubsub.publish(userChannel(userId), event);
    return event;
  }

  async since(userId: string, lastEventId: string): Promise<UserEvent[]> {
    const afterId = decodeIdCursor(lastEventId);
    const rows = await this.events.after(userId, afterId, this.keptSince(), this.maxReplay);
    return this.stillWelcome(userId, rows.map(toEvent));
  }

  async subscribe(userId: string, onEvent: OnEvent): Promise<Unsubscribe> {
    const listener: Listener = { onEvent, queue: Promise.resolve(), pending: 0 };
    let held = this.listeners.get(userId);
    if (!held) this.listeners.set(userId, (held = new Set()));
    held.add(listener);
    const forget = () => {
      const current = this.listeners.get(userId);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(userId);
    };
    try {
      await this.listenToFanout();
      const stop = await this.deps.pubsub.subscribe(userChannel(userId), (message) => {
        const event = trusted(message);
        this.deliver(userId, listener, event, undefined, CHECKED.has(event.type));
      });
      return async () => {
        forget();
        await stop();
      };
    } catch (err) {
      forget();
      throw err;
    }
  }

  /** Subscribes this process to the fan-out channel once, at its first subscriber (kept for its lifetime). */
  private listenToFanout(): Promise<Unsubscribe> {
    this.fanout ??= this.deps.pubsub
      .subscribe(FANOUT_CHANNEL, (message) => this.onFanout(message))
      .catch((err: unknown) => {
        this.fanout = null;
        throw err;
      });
    return this.fanout;
  }

  /**
   * A fan-out message (post.new to a batch of followers): read once by the bus, delivered here to
   * the users this process holds only, each frame built from the body serialized once.
   * No stillWelcome query at delivery: the announcer applied the mute/block/suspension rules in
   * the same statement that stored the rows. A mute made in the moment between that insert and
   * this delivery is the announcer's accepted race (a replay applies the rules again).
   */
  private onFanout(message: Json): void {
    const msg = readFanout(message);
    if (!msg) return;
    let make: ReturnType<typeof frameMaker> | null = null;
    for (const [userId, eventId] of msg.to) {
      const held = this.listeners.get(userId);
      if (!held) continue;
      make ??= frameMaker(msg);
      const { event, frame } = make(eventId);
      for (const listener of held) this.deliver(userId, listener, event, frame, false);
    }
  }

  /**
   * Hands one live event to one subscriber, in arrival order: an event that needs no check goes
   * straight through when nothing waits before it; otherwise it joins the subscriber's queue (the
   * socket drops an id lower than one it has sent, so order matters).
   */
  private deliver(
    userId: string,
    listener: Listener,
    event: UserEvent,
    frame: string | undefined,
    check: boolean,
  ) {
    const onError = this.deps.onError ?? console.error;
    if (!check && listener.pending === 0) {
      try {
        listener.onEvent(event, frame);
      } catch (err) {
        onError(err);
      }
      return;
    }
    listener.pending++;
    listener.queue = listener.queue
      .then(async () => {
        if (!check) return listener.onEvent(event, frame);
        for (const kept of await this.stillWelcome(userId, [event])) listener.onEvent(kept, frame);
      })
      .catch((err: unknown) => onError(err))
      .then(() => {
        listener.pending--;
      });
  }

  /**
   * The events `userId` may still receive: a notification whose actor is now gone, blocked
   * either way, or muted (for the kinds a mute covers) is held back, even if recorded before.
   */
  private async stillWelcome(userId: string, events: UserEvent[]): Promise<UserEvent[]> {
    const actors = events.flatMap((e) =>
      e.type === 'notification' ? [e.data.actor.id] : e.type === 'post.new' ? [e.data.author.id] : [],
    );
    if (actors.length === 0) return events;
    const { barred, muted } = await this.standing.actorsStanding(userId, actors);
    return events.filter((e) => {
      // A new post from an author muted or blocked since it was announced is held back too.
      if (e.type === 'post.new') return !barred.has(e.data.author.id) && !muted.has(e.data.author.id);
      return (
        e.type !== 'notification' ||
        !(
          barred.has(e.data.actor.id) ||
          (muted.has(e.data.actor.id) && MUTABLE_NOTIFICATIONS.has(e.data.type))
        )
      );
    });
  }

  prune(): Promise<number> {
    return this.events.deleteOlderThan(this.keptSince());
  }

  private keptSince(): Date {
    return new Date(this.now().getTime() - this.retentionMs);
  }
}

function toEvent(row: EventRow): UserEvent {
  return trusted({ id: row.id, type: row.type, data: row.data });
}

/**
 * The storage boundary, and its one cast: the log and the bus hold only what publish() wrote, and
 * its signature ties each type to its data. Not parsed again on the way out: a catch-up of
 * hundreds of events would re-validate every photo in them for nothing.
 */
function trusted(stored: unknown): UserEvent {
  return stored as UserEvent;
}
