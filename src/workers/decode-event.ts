import type { BusRecord } from '../bus/bus.ts';
import type { EnrichedEvent } from '../contract/event-schema.ts';
import { dlq, ok, pipeline, type Outcome } from '../contract/outcome.ts';
import { validateEnrichedEvent } from '../contract/validate-event.ts';

/** A record's value as JSON, or the reason it is not. */
export function parseRecordJson(record: BusRecord): Outcome<unknown> {
  try {
    return ok(JSON.parse(record.value.toString('utf8')));
  } catch {
    return dlq('value is not JSON');
  }
}

/** A value that holds to the contract as ingest wrote it (wire fields plus enrichment). */
export function checkEnrichedEvent(value: unknown): Outcome<EnrichedEvent> {
  return validateEnrichedEvent(value);
}

/** The steps every event worker starts with: bytes → a contract-valid enriched event. */
export const decodeEvent = pipeline(parseRecordJson, checkEnrichedEvent);
