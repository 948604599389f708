import type { Role } from '@graminsta/platform';

/** What every reader needs to know about a role, wherever it runs (loopback stage or cluster). */
export interface RoleTraits {
  /** Serves routes of its own that clients reach through the balancer or ingress. */
  public: boolean;
  /** Reads or writes the blob folder: every process of such a role must see the same one. */
  blobs: boolean;
}

/**
 * Every role. The key order is the order readers list roles in (the Kubernetes manifests follow
 * it), so a new role goes where it should appear.
 */
export const ROLE_TRAITS: Record<Role, RoleTraits> = {
  // The API checks uploaded bytes before creating a photo and deletes a photo's objects.
  api: { public: true, blobs: true },
  web: { public: true, blobs: false },
  // Health only: nothing routes client traffic to it.
  worker: { public: false, blobs: true },
  realtime: { public: true, blobs: false },
  storage: { public: true, blobs: true },
};

export const ROLES = Object.keys(ROLE_TRAITS) as Role[];
