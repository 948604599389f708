import type { FastifyPluginAsync, FastifyPluginCallback, FastifyPluginOptions } from 'fastify';
import type { Role } from '@graminsta/platform';
import type { Composition } from '../compose.ts';
import type { RuntimeContext } from '../runtime.ts';

/** Something a role started beside the listener; stopped in the reverse order of starting. */
export interface Running {
  stop(): Promise<void>;
}

/**
 * One role a process can run. Its HTTP side is an encapsulated Fastify plugin on the process's one
 * listener (the http/ kernel); its background side, if any, a `start` that returns how to stop.
 */
export type RoleModule = ComposedRole | StandaloneRole;

/** An encapsulated plugin: a role's hooks and parsers stay with its own routes. */
type RolePlugin<Options extends FastifyPluginOptions> =
  FastifyPluginAsync<Options> | FastifyPluginCallback<Options>;

/** A role that needs the database, queue and services. */
export interface ComposedRole {
  name: Role;
  composed: true;
  http?: RolePlugin<{ comp: Composition }>;
  start?(runtime: RuntimeContext, comp: Composition): Promise<Running>;
}

/** A role that needs none of it (the web tier serves files only). */
export interface StandaloneRole {
  name: Role;
  composed: false;
  http?: RolePlugin<Record<never, never>>;
  start?(runtime: RuntimeContext): Promise<Running>;
}
