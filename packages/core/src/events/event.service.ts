import type { EventData, EventType, UserEvent } from '@graminsta/contracts';
import type { Db, PubSub, Unsubscribe } from '@graminsta/platform';
import { MUTABLE_NOTIFICATIONS } from '../policies/audience.sql.ts';
import { StandingRepository } from '../policies/standing.repository.ts';
import type { EventService } from '../services.ts';
import { decodeIdCursor } from '../shared/pagination.ts';
import { EventRepository, type EventRow } from './event.repository.ts';
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

export class EventServiceImpl implements EventService {
  private readonly events: EventRepository;
  private readonly standing: StandingRepository;
  private readonly retentionMs: number;
  private readonly maxReplay: number;
  private readonly now: () => Date;
  private readonly announcer: PostAnnouncer;

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

  subscribe(userId: string, onEvent: (event: UserEvent) => void): Promise<Unsubscribe> {
    // One check at a time, in arrival order: the socket drops an id lower than one it has sent.
    let queue = Promise.resolve();
    return this.deps.pubsub.subscribe(userChannel(userId), (message) => {
      const event = trusted(message);
      queue = queue
        .then(async () => {
          for (const kept of await this.stillWelcome(userId, [event])) onEvent(kept);
        })
        .catch((err: unknown) => (this.deps.onError ?? console.error)(err));
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
