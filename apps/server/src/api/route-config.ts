import type { LimitedAction } from '@graminsta/core';

/**
 * What a route declares about itself in its `config`, read by the hooks that enforce it and by
 * the OpenAPI document that describes it, so the two cannot disagree.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** Whether the caller must be signed in ('required'), may be ('optional'), or is not looked at. */
    auth?: 'required' | 'optional' | 'none';
    /** The limit this route counts against, per account and per client address (core's limits). */
    rateLimit?: LimitedAction;
  }
}
