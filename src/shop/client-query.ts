import { Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { dlq, ok, type Outcome } from '../contract/outcome.ts';
import type { ClientQuery } from '../stores/search/search-index.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** A client query on `client-queries`: seed 003's `{type, data: {action, query, user_id}, timestamp}`. */
export const ClientQuerySchema = Type.Object(
  {
    type: Type.Union([Type.Literal('search'), Type.Literal('recommend')]),
    data: Type.Object(
      {
        action: Type.Union([Type.Literal('search'), Type.Literal('recommend')]),
        query: Type.String({ maxLength: 500 }),
        user_id: Type.String({ minLength: 1, maxLength: 128 }),
        category: Type.Optional(Type.String({ maxLength: 100 })),
        brand: Type.Optional(Type.String({ maxLength: 100 })),
        results: Type.Optional(Type.Integer({ minimum: 0 })),
      },
      { additionalProperties: false },
    ),
    timestamp: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const check = addFormats(new Ajv({ strict: false })).compile<ClientQuery>(ClientQuerySchema);

export function validateClientQuery(input: unknown): Outcome<ClientQuery> {
  if (check(input)) return ok(input);
  const error = check.errors?.[0];
  return dlq(`client query ${error?.instancePath ?? ''} ${error?.message ?? 'is invalid'}`.trim());
}
