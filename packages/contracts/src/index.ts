export * from './text.ts';
export * from './common.ts';
export * from './users.ts';
export * from './photos.ts';
export * from './social.ts';
export * from './realtime.ts';
export * from './limits.ts';
export * from './endpoints.ts';
