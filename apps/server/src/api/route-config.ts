import type { Auth, LimitedAction } from '@graminsta/contracts';

/**
 * What a route declares about itself in its `config`, copied from its endpoint table entry and
 * read by the hooks that enforce it.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** Whether the caller must be signed in ('required'), may be ('optional'), or is not looked at. */
    auth?: Auth;
    /** The limit this route counts against, per account and per client address (core's limits). */
    rateLimit?: LimitedAction;
  }
}
