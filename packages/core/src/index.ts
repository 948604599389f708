export * from './errors.ts';
export * from './services.ts';
export * from './migrations.ts';
export * as schema from './db/schema.ts';
