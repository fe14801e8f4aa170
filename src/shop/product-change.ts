import type { BusRecord } from '../bus/bus.ts';
import { dlq, ok, pipeline, type Outcome } from '../contract/outcome.ts';
import { validateProduct, type Product } from './product.ts';

/** A record of `products` or `filtered-products`: a product's new version, or its removal (a tombstone). */
export type ProductChange = { kind: 'upsert'; product: Product } | { kind: 'delete'; productId: string };

type Parsed = { kind: 'json'; key: string | null; value: unknown } | { kind: 'tombstone'; key: string };

function parseRecord(record: BusRecord): Outcome<Parsed> {
  if (record.tombstone === true) {
    return record.key === null ? dlq('tombstone without a key') : ok({ kind: 'tombstone', key: record.key });
  }
  try {
    return ok({ kind: 'json', key: record.key, value: JSON.parse(record.value.toString('utf8')) as unknown });
  } catch (error) {
    return dlq(`value is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function checkProduct(parsed: Parsed): Outcome<ProductChange> {
  if (parsed.kind === 'tombstone') return ok({ kind: 'delete', productId: parsed.key });
  const outcome = validateProduct(parsed.value);
  if (outcome.kind !== 'ok') return outcome;
  // The key places the product's versions in one partition, in order; a mismatch would break that.
  if (parsed.key !== outcome.value.product_id) {
    return dlq(`record key ${JSON.stringify(parsed.key)} is not the product_id ${JSON.stringify(outcome.value.product_id)}`);
  }
  return ok({ kind: 'upsert', product: outcome.value });
}

export const decodeProductChange = pipeline(parseRecord, checkProduct);

export const productIdOf = (change: ProductChange): string => (change.kind === 'upsert' ? change.product.product_id : change.productId);

/** The last change per product of a batch, in first-seen order: only the final state matters to a sink. */
export function latestPerProduct(changes: readonly ProductChange[]): ProductChange[] {
  const latest = new Map<string, ProductChange>();
  for (const change of changes) {
    const id = productIdOf(change);
    latest.delete(id);
    latest.set(id, change);
  }
  return [...latest.values()];
}
