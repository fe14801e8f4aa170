import type { TimeRange } from './warehouse.ts';

/**
 * The arguments of the custom-event reads, checked the same way by every adapter (ClickHouse
 * imports this too): a finite range, text names and keys, a known bucket, a non-negative integer
 * limit. Returns false when there is nothing to read (an empty range, a limit of 0).
 */
export function checkEventsQuery(range: TimeRange, args: { name?: string; key?: string; bucket?: string; limit?: number }): boolean {
  if (!Number.isFinite(range.from) || !Number.isFinite(range.to))
    throw new RangeError('time range bounds must be finite epoch milliseconds');
  if (range.site !== undefined && typeof range.site !== 'string') throw new RangeError('site must be text');
  if ('name' in args && typeof args.name !== 'string') throw new RangeError('an event name must be text');
  if ('key' in args && typeof args.key !== 'string') throw new RangeError('a property key must be text');
  if ('bucket' in args && args.bucket !== 'hour' && args.bucket !== 'day')
    throw new RangeError(`unknown bucket ${JSON.stringify(args.bucket)}`);
  if ('limit' in args && (!Number.isInteger(args.limit) || (args.limit ?? 0) < 0))
    throw new RangeError('limit must be a non-negative integer');
  return range.from < range.to && args.limit !== 0;
}
