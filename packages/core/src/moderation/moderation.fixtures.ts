/** Test fixtures for reports and moderation: the photo world plus every service a report touches. */
import { AccountServiceImpl } from '../accounts/account.service.ts';
import { NotificationServiceImpl } from '../notifications/notification.service.ts';
import { createPhotoWorld, type PhotoWorld } from '../photos/photo.fixtures.ts';
import { CommentServiceImpl } from '../social/comment.service.ts';
import { UserServiceImpl } from '../users/user.service.ts';
import { ModerationServiceImpl } from './moderation.service.ts';
import { ReportServiceImpl } from './report.service.ts';

export const PASSWORD = 'correct horse battery';

export interface ModerationWorld extends PhotoWorld {
  accounts: AccountServiceImpl;
  users: UserServiceImpl;
  comments: CommentServiceImpl;
  notifications: NotificationServiceImpl;
  reports: ReportServiceImpl;
  moderation: ModerationServiceImpl;
  /** Signs up an account with PASSWORD; returns its id and session token. */
  signUp(username: string): Promise<{ id: string; token: string }>;
}

export async function createModerationWorld(): Promise<ModerationWorld> {
  const w = await createPhotoWorld();
  const { db, blobs, notifier } = w;
  // A cheap scrypt: these tests are about moderation, not password hashing.
  const accounts = new AccountServiceImpl({ db, blobs, scrypt: { N: 1024, r: 8, p: 1 } });
  const users = new UserServiceImpl({ db, notifier });
  const comments = new CommentServiceImpl({ db, notifier });
  return {
    ...w,
    accounts,
    users,
    comments,
    notifications: new NotificationServiceImpl({ db, blobs }),
    reports: new ReportServiceImpl({ db, photos: w.photos, users }),
    moderation: new ModerationServiceImpl({ db, blobs, notifier, photos: w.photos, comments }),
    async signUp(username) {
      const { user, token } = await accounts.signUp({ username, password: PASSWORD }, { ip: '127.0.0.1' });
      return { id: user.id, token };
    },
  };
}

export const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (err: { code?: string }) => err.code ?? String(err),
  );
