import type { BusRecord } from '../bus/bus.ts';
import type { EnrichedEvent } from '../contract/event-schema.ts';
import { validateEnrichedEvent } from '../contract/validate-event.ts';
import { dlq, ok, type Outcome } from './outcome.ts';

/** First step of every event worker: bytes → a contract-valid enriched event, or the reason it is not. */
export function decodeEvent(record: BusRecord): Outcome<EnrichedEvent> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.value.toString('utf8'));
  } catch {
    return dlq('value is not JSON');
  }
  const outcome = validateEnrichedEvent(parsed);
  return outcome.ok ? ok(outcome.event) : dlq(outcome.reason);
}
