export * from './config.ts';
export * from './ports.ts';
export * from './db.ts';
