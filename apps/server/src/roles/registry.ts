import type { Role } from '@graminsta/platform';
import { apiRole } from './api.ts';
import { realtimeRole } from './realtime.ts';
import type { RoleModule } from './role.ts';
import { storageRole } from './storage.ts';
import { webRole } from './web.ts';
import { workerRole } from './worker.ts';

/**
 * Every role, in the order a process starts them (and stops them in reverse): the worker's
 * background work first, then the HTTP roles' routes, the realtime gateway last on the listener.
 * A role missing here is a type error.
 */
export const ROLES: { [R in Role]: RoleModule & { name: R } } = {
  worker: workerRole,
  api: apiRole,
  storage: storageRole,
  web: webRole,
  realtime: realtimeRole,
};

/** The modules of the named roles, in the declared order whatever order they were named in. */
export function rolesToRun(names: readonly Role[]): RoleModule[] {
  return Object.values(ROLES).filter((role) => names.includes(role.name));
}
