import { accountHandlers } from './accounts.handlers.ts';
import { accountDataHandlers } from './account-data.handlers.ts';
import { credentialHandlers } from './credentials.handlers.ts';
import { feedHandlers } from './feed.handlers.ts';
import type { Handlers } from './handler.ts';
import { moderationHandlers } from './moderation.handlers.ts';
import { photoHandlers } from './photos.handlers.ts';
import { relationHandlers, userHandlers } from './users.handlers.ts';

/** Every endpoint of the table served: the type asks for all of them. */
export const handlers: Handlers = {
  ...accountHandlers,
  ...userHandlers,
  ...photoHandlers,
  ...feedHandlers,
  ...relationHandlers,
  ...accountDataHandlers,
  ...moderationHandlers,
  ...credentialHandlers,
};
