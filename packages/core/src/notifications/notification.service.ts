import type { Notification, Page, PageQuery } from '@graminsta/contracts';
import type { BlobStore, Db } from '@graminsta/platform';
import { extractMentions } from '../photos/tags.ts';
import { MUTABLE_NOTIFICATIONS } from '../policies/audience.sql.ts';
import { StandingRepository } from '../policies/standing.repository.ts';
import type {
  EventService,
  MentionInput,
  NotificationInput,
  NotificationService,
  Notifier,
} from '../services.ts';
import { decodeIdCursor, encodeIdCursor, pageOf } from '../shared/pagination.ts';
import { toNotification } from './notification.presenter.ts';
import { NotificationRepository } from './notification.repository.ts';

export interface NotificationDeps {
  db: Db;
  blobs: Pick<BlobStore, 'publicUrl'>;
  now?: () => Date;
}

export class NotificationServiceImpl implements NotificationService {
  private readonly notifications: NotificationRepository;

  constructor(private readonly deps: NotificationDeps) {
    this.notifications = new NotificationRepository(deps.db);
  }

  async list(userId: string, page: PageQuery): Promise<Page<Notification> & { unreadCount: number }> {
    const before = decodeIdCursor(page.cursor);
    const rows = await this.notifications.list(userId, before, page.limit + 1);
    const result = pageOf(rows, page.limit, (last) => encodeIdCursor(last.id));
    const publicUrl = (key: string) => this.deps.blobs.publicUrl(key);
    return {
      items: result.items.map((row) => toNotification(row, publicUrl)),
      nextCursor: result.nextCursor,
      unreadCount: await this.notifications.unreadCount(userId),
    };
  }

  async markRead(userId: string, upTo?: string): Promise<{ unreadCount: number }> {
    const until = decodeIdCursor(upTo);
    const now = this.deps.now?.() ?? new Date();
    return this.deps.db.transaction(async (tx) => {
      await this.notifications.markRead(userId, until, now, tx);
      return { unreadCount: await this.notifications.unreadCount(userId, tx) };
    });
  }
}

export interface NotifierDeps {
  db: Db;
  blobs: Pick<BlobStore, 'publicUrl'>;
  events: Pick<EventService, 'publish'>;
  /** Where a failed live push is reported; the write it follows has committed and stands. */
  onError?: (err: unknown) => void;
}

/** Records notifications inside other services' transactions and pushes them live after commit. */
export class NotifierImpl implements Notifier {
  private readonly notifications: NotificationRepository;
  private readonly standing: StandingRepository;

  constructor(private readonly deps: NotifierDeps) {
    this.notifications = new NotificationRepository(deps.db);
    this.standing = new StandingRepository(deps.db);
  }

  async record(tx: Db, input: NotificationInput): Promise<string | null> {
    if (input.actorId === input.recipientId) return null;
    // A recipient who blocked or muted the actor, or whom the actor blocked, hears nothing of it.
    const muteApplies = MUTABLE_NOTIFICATIONS.has(input.type);
    if (!(await this.standing.mayNotify(input.recipientId, input.actorId, muteApplies, tx))) return null;
    return this.notifications.insert(input, tx);
  }

  async mention(tx: Db, input: MentionInput): Promise<string[]> {
    const { text, ...target } = input;
    return this.notifications.insertMentions({ ...target, usernames: extractMentions(text) }, tx);
  }

  async retract(tx: Db, input: NotificationInput): Promise<void> {
    await this.notifications.deleteMatching(input, tx);
  }

  async retractComment(tx: Db, comment: { id: string; photoId: string }): Promise<void> {
    await this.notifications.deleteForComment(comment, tx);
  }

  /** Never throws: the like or comment it follows is committed, and failing the request would invite a retry. */
  async announce(notificationId: string): Promise<void> {
    try {
      const row = await this.notifications.findById(notificationId);
      // Retracted between commit and announce (a quick unlike): nothing to push.
      if (!row) return;
      const notification = toNotification(row, (key) => this.deps.blobs.publicUrl(key));
      await this.deps.events.publish(row.userId, 'notification', notification);
    } catch (err) {
      (this.deps.onError ?? console.error)(err);
    }
  }
}
