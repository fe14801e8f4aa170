import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PulseError, errorCodes } from '../shared/errors.ts';
import { errorResponse, errorResponses } from '../http/api-contract.ts';
import type { Accounts, NewSession } from './accounts-service.ts';
import { IdParams, IssuedToken, LoginBody, Me, NewTokenBody, SetupBody, Token } from './auth-schemas.ts';
import { SESSION_COOKIE, SHARE_COOKIE, clearCookie, setCookie } from './cookies.ts';
import { describePrincipal, type Principal } from './principal.ts';

const principalOf = (request: FastifyRequest): Principal => {
  if (request.principal === undefined) throw new PulseError(errorCodes.UNAUTHORIZED, 'sign in first');
  return request.principal;
};

/** The account behind a session or an API token; PULSE_ADMIN_TOKEN and share links have none. */
const userOf = (request: FastifyRequest) => {
  const principal = principalOf(request);
  if (principal.kind !== 'session' && principal.kind !== 'token') {
    throw new PulseError(errorCodes.FORBIDDEN, 'this needs a user account (PULSE_ADMIN_TOKEN belongs to none)', { detail: 'no_user' });
  }
  return principal.user;
};

/**
 * Signing in and out, the first admin's one-time setup, the caller's own API tokens, and share
 * links (GET /share/<token> sets a read-only cookie for one site and opens the dashboard on it).
 */
export function registerAuthRoutes(app: FastifyInstance, deps: { accounts: Accounts }): void {
  const { accounts } = deps;
  const started = (request: FastifyRequest, reply: FastifyReply, session: NewSession) => {
    setCookie(request, reply, SESSION_COOKIE, session.sessionId, Math.floor((session.expiresAt - Date.now()) / 1000));
    return describePrincipal(session.principal);
  };

  app.get(
    '/api/auth/me',
    { schema: { description: 'Who the request is from: role, readable sites and the CSRF token.', response: { 200: Me } } },
    async (request) => describePrincipal(principalOf(request)),
  );

  app.post<{ Body: Static<typeof LoginBody> }>(
    '/api/auth/login',
    {
      schema: {
        description:
          'Signs in with a username and password; sets an HttpOnly session cookie. A wrong password answers 401; after 5 in a row the account is locked for 15 minutes, and too many failures from one address answer 429.',
        body: LoginBody,
        response: {
          200: Me,
          401: errorResponse(401, 'Wrong username or password (`invalid_credentials`).'),
          429: errorResponse(
            429,
            'The account is locked (`account_locked`) or this address failed too often (`too_many_attempts`): see `retry-after`.',
          ),
        },
      },
    },
    async (request, reply) =>
      started(
        request,
        reply,
        await accounts.login({ username: request.body.username, password: request.body.password, client: request.ip }),
      ),
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        description: 'Ends this session (its cookie and its row) and drops a share link’s cookie.',
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind === 'session') await accounts.logout(principal.sessionDigest);
      clearCookie(request, reply, SESSION_COOKIE);
      clearCookie(request, reply, SHARE_COOKIE);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/auth/setup',
    {
      schema: {
        description: 'Whether this Pulse still has no user: the first admin is then created with the one-time link printed at start.',
        response: { 200: Type.Object({ needed: Type.Boolean() }, { additionalProperties: false }) },
      },
    },
    async () => ({ needed: await accounts.needsSetup() }),
  );

  app.post<{ Body: Static<typeof SetupBody> }>(
    '/api/auth/setup',
    {
      schema: {
        description: 'Creates the first admin with the one-time setup token printed at start, and signs in as them.',
        body: SetupBody,
        response: { 201: Me, 403: errorResponse(403, 'The setup token is not valid (`invalid_setup_token`).'), ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      const me = started(request, reply, await accounts.completeSetup(request.body));
      return reply.code(201).send(me);
    },
  );

  app.get(
    '/api/auth/tokens',
    {
      schema: {
        description: 'The caller’s API tokens (never their secret).',
        response: { 200: Type.Object({ tokens: Type.Array(Token) }) },
      },
    },
    async (request) => ({ tokens: await accounts.listTokens(userOf(request).id) }),
  );

  app.post<{ Body: Static<typeof NewTokenBody> }>(
    '/api/auth/tokens',
    {
      schema: {
        description: 'Issues an API token acting as the caller (same role and sites); the secret is in this answer only.',
        body: NewTokenBody,
        response: { 201: IssuedToken },
      },
    },
    async (request, reply) => reply.code(201).send(await accounts.createToken(userOf(request), request.body.name)),
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/auth/tokens/:id',
    {
      schema: {
        description: 'Revokes one of the caller’s API tokens.',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await accounts.revokeToken(request.params.id, userOf(request).id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { token: string } }>(
    '/share/:token',
    { schema: { hide: true, params: Type.Object({ token: Type.String({ maxLength: 200 }) }) } },
    async (request, reply) => {
      const site = await accounts.openShare(request.params.token);
      if (site === undefined) throw new PulseError(errorCodes.NOT_FOUND, 'this share link does not exist or was revoked');
      setCookie(request, reply, SHARE_COOKIE, request.params.token, 365 * 24 * 3600);
      return reply.redirect(`/dashboard/?site=${encodeURIComponent(site)}`, 303);
    },
  );
}
