import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { dlq, ok, type Outcome } from '../contract/outcome.ts';
import type { Product } from './product.ts';

/**
 * A ban: by product id (exact), by brand (any letter case), or by a name pattern — a glob over the
 * whole name where `*` stands for any text, any letter case (`*replica*`). Globs, not regular
 * expressions: an operator's pattern can never make the filter spin.
 */
export const banKinds = ['id', 'brand', 'pattern'] as const;
export type BanKind = (typeof banKinds)[number];

export const BanRuleSchema = Type.Object(
  {
    kind: Type.Union(banKinds.map((kind) => Type.Literal(kind))),
    value: Type.String({ minLength: 1, maxLength: 200 }),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
    created_at: Type.String(),
  },
  { additionalProperties: false },
);
export type BanRule = Static<typeof BanRuleSchema>;

const checkRule = new Ajv({ strict: false }).compile<BanRule>(BanRuleSchema);

/** The record key of a rule in `banned-products`: one key per rule, so unbanning is its tombstone. */
export function banKey(kind: BanKind, value: string): string {
  return `${kind}:${kind === 'id' ? value.trim() : value.trim().toLowerCase()}`;
}

export function newBanRule(kind: BanKind, value: string, reason: string | undefined, now: Date = new Date()): Outcome<BanRule> {
  const rule = { kind, value: value.trim(), ...(reason === undefined || reason === '' ? {} : { reason }), created_at: now.toISOString() };
  return checkRule(rule)
    ? ok(rule)
    : dlq(`invalid ban: ${checkRule.errors?.[0]?.instancePath ?? ''} ${checkRule.errors?.[0]?.message ?? ''}`.trim());
}

export function parseBanRule(value: Buffer): BanRule | undefined {
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    return checkRule(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** A compiled rule: a test over a product. */
export type BanMatcher = (product: Pick<Product, 'product_id' | 'brand' | 'name'>) => boolean;

export function matcherOf(rule: BanRule): BanMatcher {
  if (rule.kind === 'id') return (product) => product.product_id === rule.value;
  if (rule.kind === 'brand') {
    const brand = rule.value.toLowerCase();
    return (product) => product.brand.toLowerCase() === brand;
  }
  const glob = globToRegExp(rule.value);
  return (product) => glob.test(product.name);
}

/** `*` is any text; everything else is literal; the whole name must match, in any letter case. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'isu');
}

/** The current ban list: which rule (if any) bans a product. */
export class BanList {
  private readonly matchers = new Map<string, { rule: BanRule; test: BanMatcher }>();

  set(key: string, rule: BanRule | undefined): void {
    if (rule === undefined) this.matchers.delete(key);
    else this.matchers.set(key, { rule, test: matcherOf(rule) });
  }

  /** The first rule that bans the product, or undefined. */
  banning(product: Pick<Product, 'product_id' | 'brand' | 'name'>): BanRule | undefined {
    for (const { rule, test } of this.matchers.values()) if (test(product)) return rule;
    return undefined;
  }

  rules(): BanRule[] {
    return [...this.matchers.values()].map(({ rule }) => rule);
  }

  get size(): number {
    return this.matchers.size;
  }
}
