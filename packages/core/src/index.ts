export * from './errors.ts';
export * from './services.ts';
export * from './migrations.ts';
export * as schema from './db/schema.ts';
export * from './shared/pagination.ts';
export { AccountServiceImpl, type AccountServiceDeps, type LoginLimits } from './accounts/account.service.ts';
export { UserServiceImpl, type UserServiceDeps } from './users/user.service.ts';
export {
  NotificationServiceImpl,
  NotifierImpl,
  type NotificationDeps,
  type NotifierDeps,
} from './notifications/notification.service.ts';
export { EventServiceImpl, type EventServiceDeps, userChannel } from './events/event.service.ts';
