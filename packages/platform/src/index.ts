export * from './config.ts';
export * from './ports.ts';
export * from './db.ts';
export * from './cache/memory.cache.ts';
export * from './queue/backoff.ts';
export * from './queue/memory.queue.ts';
export * from './pubsub/memory.pubsub.ts';
