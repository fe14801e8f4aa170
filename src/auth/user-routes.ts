import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Accounts } from './accounts-service.ts';
import {
  IdParams,
  IssuedToken,
  NewTokenBody,
  NewUserBody,
  PasswordBody,
  Token,
  User,
  UserChangeBody,
  UsernameParams,
} from './auth-schemas.ts';
import { PulseError, errorCodes } from '../shared/errors.ts';
import { errorResponses } from '../http/api-contract.ts';

/** User management for admins: the same operations as `pulse users`. */
export function registerUserRoutes(app: FastifyInstance, deps: { accounts: Accounts }): void {
  const { accounts } = deps;
  app.get(
    '/api/users',
    { schema: { description: 'Every user (admins only).', response: { 200: Type.Object({ users: Type.Array(User) }) } } },
    async () => ({
      users: await accounts.listUsers(),
    }),
  );

  app.post<{ Body: Static<typeof NewUserBody> }>(
    '/api/users',
    {
      schema: {
        description: 'Adds a user: an admin sees every site; a viewer only the sites granted (`sites`). 409 when the username is taken.',
        body: NewUserBody,
        response: { 201: User, ...errorResponses(409) },
      },
    },
    async (request, reply) => reply.code(201).send(await accounts.addUser({ ...request.body, role: request.body.role ?? 'viewer' })),
  );

  app.patch<{ Params: Static<typeof UsernameParams>; Body: Static<typeof UserChangeBody> }>(
    '/api/users/:username',
    {
      schema: {
        description: 'Changes a user’s role and/or granted sites (the last admin cannot stop being one).',
        params: UsernameParams,
        body: UserChangeBody,
        response: { 200: User, ...errorResponses(404, 409) },
      },
    },
    async (request) => {
      const { username } = request.params;
      let user = request.body.role === undefined ? undefined : await accounts.setRole(username, request.body.role);
      if (request.body.sites !== undefined) user = await accounts.grantSites(username, request.body.sites);
      return user;
    },
  );

  app.put<{ Params: Static<typeof UsernameParams>; Body: Static<typeof PasswordBody> }>(
    '/api/users/:username/password',
    {
      schema: {
        description: 'Sets a user’s password and ends their sessions.',
        params: UsernameParams,
        body: PasswordBody,
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await accounts.setPassword(request.params.username, request.body.password);
      return reply.code(204).send();
    },
  );

  app.delete<{ Params: Static<typeof UsernameParams> }>(
    '/api/users/:username',
    {
      schema: {
        description: 'Removes a user, their sessions and API tokens (not the last admin).',
        params: UsernameParams,
        response: { 204: Type.Null(), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      await accounts.removeUser(request.params.username);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/users/tokens',
    {
      schema: {
        description: 'Every API token of every user (admins only).',
        response: { 200: Type.Object({ tokens: Type.Array(Token) }) },
      },
    },
    async () => ({
      tokens: await accounts.listTokens(),
    }),
  );

  app.post<{ Params: Static<typeof UsernameParams>; Body: Static<typeof NewTokenBody> }>(
    '/api/users/:username/tokens',
    {
      schema: {
        description: 'Issues an API token for a user (admins; `pulse users token`); the secret is in this answer only.',
        params: UsernameParams,
        body: NewTokenBody,
        response: { 201: IssuedToken, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const user = await accounts.store.findUser({ username: request.params.username });
      if (user === undefined) throw new PulseError(errorCodes.NOT_FOUND, `no user "${request.params.username}"`);
      return reply.code(201).send(await accounts.createToken(user, request.body.name));
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/users/tokens/:id',
    {
      schema: {
        description: 'Revokes any user’s API token (admins).',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await accounts.revokeToken(request.params.id);
      return reply.code(204).send();
    },
  );
}
