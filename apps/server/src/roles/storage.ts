import fp from 'fastify-plugin';
import type { Composition } from '../compose.ts';
import { KERNEL } from '../http/kernel.ts';
import { storagePlugin } from '../storage/storage.plugin.ts';
import type { ComposedRole } from './role.ts';

/** Signed uploads in, stored objects out, under /storage. */
export const storageRole = {
  name: 'storage',
  composed: true,
  http: fp<{ comp: Composition }>(
    async (app, { comp }) => {
      await app.register(storagePlugin, {
        store: comp.localStore,
        secret: comp.secret,
        uploads: comp.services.photos,
      });
    },
    { name: 'graminsta-role-storage', dependencies: [KERNEL], encapsulate: true },
  ),
} satisfies ComposedRole;
