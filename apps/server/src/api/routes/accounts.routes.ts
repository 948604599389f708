import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorBody, LogInBody, Me, Ok, PatchMeBody, SessionResponse, SignUpBody } from '@graminsta/contracts';
import type { Services } from '@graminsta/core';
import { clearSessionCookie, requireUser, setSessionCookie } from '../auth.ts';

export const accountRoutes: FastifyPluginAsyncZod<{ services: Services; secureCookies: boolean }> = async (
  app,
  { services, secureCookies },
) => {
  app.post(
    '/accounts',
    {
      config: { auth: 'none', rateLimit: 'signup' },
      // 409: the username is taken.
      schema: { summary: 'Sign up', body: SignUpBody, response: { 201: SessionResponse, 409: ErrorBody } },
    },
    async (request, reply) => {
      const session = await services.accounts.signUp(request.body, { ip: request.ip });
      setSessionCookie(reply, session.token, secureCookies);
      return reply.code(201).send(session);
    },
  );

  app.post(
    '/sessions',
    {
      config: { auth: 'none', rateLimit: 'login' },
      schema: { summary: 'Log in', body: LogInBody, response: { 200: SessionResponse } },
    },
    async (request, reply) => {
      const session = await services.accounts.logIn(request.body, { ip: request.ip });
      setSessionCookie(reply, session.token, secureCookies);
      return session;
    },
  );

  app.delete(
    '/sessions/current',
    { config: { auth: 'required' }, schema: { summary: 'Log out', response: { 200: Ok } } },
    async (request, reply) => {
      requireUser(request);
      await services.accounts.logOut(request.sessionToken!);
      clearSessionCookie(reply);
      return { ok: true as const };
    },
  );

  app.get(
    '/me',
    { config: { auth: 'required' }, schema: { summary: 'Own account', response: { 200: Me } } },
    async (request) => services.accounts.getMe(requireUser(request)),
  );

  app.patch(
    '/me',
    {
      config: { auth: 'required' },
      schema: { summary: 'Edit own profile', body: PatchMeBody, response: { 200: Me } },
    },
    async (request) => services.accounts.updateMe(requireUser(request), request.body),
  );
};
