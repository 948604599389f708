import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type AccountService } from '@graminsta/core';
import { onPrimary } from '@graminsta/platform';
import { SESSION_COOKIE } from '../http/session-cookie.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, or null. */
    userId: string | null;
    /** The raw session token the request carried (for logout), or null. */
    sessionToken: string | null;
  }
}

export interface AuthOptions {
  accounts: AccountService;
  /** Origins allowed to make cookie-authenticated writes (CSRF guard). */
  trustedOrigins: (origin: string, request: FastifyRequest) => boolean;
}

export function tokenFrom(request: FastifyRequest): { token: string; via: 'bearer' | 'cookie' } | null {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new AppError('unauthenticated', 'Authorization header must be "Bearer <token>"');
    return { token: match[1], via: 'bearer' };
  }
  const cookie = request.cookies?.[SESSION_COOKIE];
  return cookie ? { token: cookie, via: 'cookie' } : null;
}

/** Resolves the caller once per request; routes that need a user call requireUser. */
export function registerAuth(app: FastifyInstance, opts: AuthOptions): void {
  app.decorateRequest('userId', null);
  app.decorateRequest('sessionToken', null);
  // Before validation, so a caller who must sign in learns that first, not how its body is wrong.
  // One hook for both steps: it runs on every API request, signed in or not.
  app.addHook('preValidation', async (request) => {
    // routeOptions is built afresh on each read: read it once.
    const { auth } = request.routeOptions.config;
    // A route marked auth 'none' never looks at the caller, so a stale token cannot refuse it.
    if (auth === 'none') return;
    const found = tokenFrom(request);
    if (found) await signIn(request, found, opts);
    // Enforced from the route's marker, the same one the OpenAPI document reads, so they agree.
    if (auth === 'required' && !request.userId) throw new AppError('unauthenticated', 'sign in first');
  });
}

async function signIn(
  request: FastifyRequest,
  found: { token: string; via: 'bearer' | 'cookie' },
  opts: AuthOptions,
): Promise<void> {
  // On the primary: a session made a moment ago (a sign-up) may not be on a replica yet.
  const userId = await onPrimary(() => opts.accounts.authenticate(found.token));
  if (!userId) {
    if (found.via === 'bearer') throw new AppError('unauthenticated', 'session expired or revoked');
    return;
  }
  // A cookie rides along on cross-site requests; writes must come from a trusted origin.
  if (found.via === 'cookie' && !SAFE_METHODS.has(request.method)) {
    const origin = request.headers.origin;
    if (!origin || !opts.trustedOrigins(origin, request)) {
      throw new AppError('forbidden', 'cross-site request refused');
    }
  }
  request.userId = userId;
  request.sessionToken = found.token;
}

export function requireUser(request: FastifyRequest): string {
  if (!request.userId) throw new AppError('unauthenticated', 'sign in first');
  return request.userId;
}

export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean): void {
  void reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    maxAge: 30 * 24 * 3600,
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, { path: '/' });
}
