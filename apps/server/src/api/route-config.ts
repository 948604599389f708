/**
 * What a route declares about itself in its `config`, read by the hooks that enforce it and by
 * the OpenAPI document that describes it, so the two cannot disagree.
 */
export const RATE_LIMITS = ['signup', 'login', 'upload', 'photo', 'comment', 'like', 'follow'] as const;
export type RateLimitName = (typeof RATE_LIMITS)[number];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Whether the caller must be signed in ('required'), may be ('optional'), or is not looked at. */
    auth?: 'required' | 'optional' | 'none';
    /** The rate limit this route counts against, per account and per client address. */
    rateLimit?: RateLimitName;
  }
}
