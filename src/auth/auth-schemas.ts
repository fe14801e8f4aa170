import { Type } from '@sinclair/typebox';
import { siteKeySource } from '../contract/site-key.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords.ts';
import { USERNAME_PATTERN } from './accounts-service.ts';

/** The request and answer shapes of the accounts API, as the OpenAPI document shows them. */
export const Username = Type.String({ pattern: USERNAME_PATTERN, description: '1–64 letters, digits and _ . @ - (not first).' });
export const Password = Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH });
export const SiteKeyString = Type.String({ pattern: `^${siteKeySource}$` });
export const Role = Type.Union([Type.Literal('admin'), Type.Literal('viewer')]);
/** A name people give (a site's, a token's): printable text, no control characters. */
export const Label = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]+$' });
export const Origin = Type.String({ pattern: '^https?://[^/\\s?#]+$', maxLength: 300, description: 'scheme://host[:port]' });

export const Me = Type.Object(
  {
    via: Type.Union([Type.Literal('session'), Type.Literal('token'), Type.Literal('operator'), Type.Literal('share')]),
    role: Type.Union([Type.Literal('admin'), Type.Literal('viewer'), Type.Literal('share')]),
    user: Type.Union([Type.Object({ id: Type.String(), username: Type.String() }), Type.Null()]),
    sites: Type.Union([Type.Array(Type.String()), Type.Literal('*')], { description: 'Site keys this principal may read, or * for all.' }),
    csrf: Type.Union([Type.String(), Type.Null()], {
      description: 'Send as X-Pulse-CSRF with every signed-in request that changes state.',
    }),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }) },
  { additionalProperties: false },
);
export const SetupBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }), username: Username, password: Password },
  { additionalProperties: false },
);

export const User = Type.Object(
  {
    id: Type.String(),
    username: Type.String(),
    role: Role,
    sites: Type.Array(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export const NewUserBody = Type.Object(
  {
    username: Username,
    password: Password,
    role: Type.Optional(Role),
    sites: Type.Optional(Type.Array(SiteKeyString, { maxItems: 1000, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export const UserChangeBody = Type.Object(
  { role: Type.Optional(Role), sites: Type.Optional(Type.Array(SiteKeyString, { maxItems: 1000, uniqueItems: true })) },
  { additionalProperties: false, minProperties: 1 },
);
export const PasswordBody = Type.Object({ password: Password }, { additionalProperties: false });
export const UsernameParams = Type.Object({ username: Username });

export const Token = Type.Object(
  {
    id: Type.String(),
    userId: Type.String(),
    username: Type.String(),
    name: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);
export const NewTokenBody = Type.Object({ name: Label(100) }, { additionalProperties: false });
export const IssuedToken = Type.Object(
  { id: Type.String(), name: Type.String(), token: Type.String({ description: 'Shown once: send as Authorization: Bearer <token>.' }) },
  { additionalProperties: false },
);
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const IpRule = Type.String({
  minLength: 2,
  maxLength: 50,
  pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$',
  description: 'An IP address or a CIDR range (203.0.113.0/24, 2001:db8::/32).',
});
export const PathRule = Type.String({
  pattern: '^/[^\\s\\u0000-\\u001f\\u007f]*$',
  maxLength: 300,
  description: 'A page path; * matches any run of characters (/admin/*).',
});
export const Site = Type.Object(
  {
    key: Type.String(),
    name: Type.String(),
    origins: Type.Array(Type.String()),
    excludedIps: Type.Array(Type.String(), { description: 'Shield: visits from these addresses or ranges are dropped at ingest.' }),
    excludedPaths: Type.Array(Type.String(), { description: 'Shield: visits to these paths are dropped at ingest.' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export const SiteList = Type.Object(
  {
    sites: Type.Array(Type.String(), {
      description: 'Keys of the sites the caller may read (empty when any key is accepted and none is recorded).',
    }),
    default: Type.String(),
    records: Type.Array(Site),
  },
  { additionalProperties: false },
);
export const NewSiteBody = Type.Object(
  {
    key: SiteKeyString,
    name: Type.Optional(Label(200)),
    origins: Type.Optional(Type.Array(Origin, { maxItems: 100, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export const SiteChangeBody = Type.Object(
  {
    name: Type.Optional(Label(200)),
    origins: Type.Optional(Type.Array(Origin, { maxItems: 100, uniqueItems: true })),
    excludedIps: Type.Optional(Type.Array(IpRule, { maxItems: 1000, uniqueItems: true })),
    excludedPaths: Type.Optional(Type.Array(PathRule, { maxItems: 1000, uniqueItems: true })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const SiteParams = Type.Object({ key: SiteKeyString });
export const ShareParams = Type.Object({ key: SiteKeyString, id: Type.String({ format: 'uuid' }) });
export const Share = Type.Object(
  { id: Type.String(), siteKey: Type.String(), createdAt: Type.String({ format: 'date-time' }) },
  { additionalProperties: false },
);
export const IssuedShare = Type.Object(
  {
    id: Type.String(),
    siteKey: Type.String(),
    url: Type.String({ description: 'The read-only link, shown once; revoke it to close it.' }),
  },
  { additionalProperties: false },
);
