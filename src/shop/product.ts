import { Type, type Static } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { dlq, ok, type Outcome } from '../contract/outcome.ts';

// ajv-formats ships CommonJS whose default export is the plugin function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * A product as the shop publishes it to `products` (seed 003's shape, plus `tags` and `updated_at`).
 * Ids are short printable tokens because they become Kafka keys and index document ids.
 */
export const ProductSchema = Type.Object(
  {
    product_id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' }),
    name: Type.String({ minLength: 1, maxLength: 300 }),
    description: Type.String({ maxLength: 5000 }),
    price: Type.Object(
      { amount: Type.Number({ minimum: 0, maximum: 1e12 }), currency: Type.String({ pattern: '^[A-Z]{3}$' }) },
      { additionalProperties: false },
    ),
    category: Type.String({ minLength: 1, maxLength: 100 }),
    brand: Type.String({ minLength: 1, maxLength: 100 }),
    stock: Type.Object(
      { available: Type.Integer({ minimum: 0 }), reserved: Type.Integer({ minimum: 0 }) },
      { additionalProperties: false },
    ),
    tags: Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 30 }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type Product = Static<typeof ProductSchema>;

// Input files may leave out tags and updated_at: the emulator fills them in before publishing.
const ProductInputSchema = Type.Composite(
  [Type.Omit(ProductSchema, ['tags', 'updated_at']), Type.Partial(Type.Pick(ProductSchema, ['tags', 'updated_at']))],
  { additionalProperties: false },
);
export type ProductInput = Static<typeof ProductInputSchema>;

const ajv = addFormats(new Ajv({ allErrors: false, strict: false }));
const checkProduct = ajv.compile<Product>(ProductSchema);
const checkInput = ajv.compile<ProductInput>(ProductInputSchema);

function describe(error: ErrorObject | undefined): string {
  if (error === undefined) return 'invalid product';
  const where = error.instancePath === '' ? 'product' : error.instancePath.slice(1).replaceAll('/', '.');
  if (error.keyword === 'additionalProperties') {
    return `${where}: unknown field ${JSON.stringify((error.params as { additionalProperty: string }).additionalProperty)}`;
  }
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** A product read from a topic: exactly the published shape. */
export function validateProduct(input: unknown): Outcome<Product> {
  return checkProduct(input) ? ok(input) : dlq(describe(checkProduct.errors?.[0]));
}

/** A product from a user's file: tags and updated_at may be missing and are filled in here. */
export function validateProductInput(input: unknown, now: Date = new Date()): Outcome<Product> {
  if (!checkInput(input)) return dlq(describe(checkInput.errors?.[0]));
  return ok({ ...input, tags: input.tags ?? [], updated_at: input.updated_at ?? now.toISOString() });
}
