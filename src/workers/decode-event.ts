import type { BusRecord } from '../bus/bus.ts';
import { activityRecordToEvent, isActivityRecord, type RecordOrigin } from '../contract/activity-record.ts';
import { FALLBACK_SITE } from '../contract/derived-fields.ts';
import type { EnrichedEvent } from '../contract/event-schema.ts';
import { dlq, ok, pipeline, type Outcome, type Pipeline } from '../contract/outcome.ts';
import { validateEnrichedEvent } from '../contract/validate-event.ts';

/** A record's value as JSON, or the reason it is not. */
export function parseRecordJson(record: BusRecord): Outcome<unknown> {
  try {
    return ok(JSON.parse(record.value.toString('utf8')));
  } catch {
    return dlq('value is not JSON');
  }
}

/** A record's JSON value with where it sits in the log (the activity mapping derives the event id from it). */
export interface ReadRecord {
  origin: RecordOrigin;
  value: unknown;
}

export function readRecordJson(record: BusRecord): Outcome<ReadRecord> {
  const parsed = parseRecordJson(record);
  if (parsed.kind !== 'ok') return parsed;
  const { topic, partition, offset, timestamp } = record;
  return ok({ origin: { topic, partition, offset, timestamp }, value: parsed.value });
}

/**
 * Seed 004's producer writes `{user_id, action, page, timestamp}` records straight to Kafka: those are
 * mapped to the contract here (src/contract/activity-record.ts says how); anything else passes as it is.
 */
export const mapActivityRecord = (defaultSite: string) =>
  function mapActivityRecord(read: ReadRecord): Outcome<unknown> {
    return isActivityRecord(read.value) ? activityRecordToEvent(read.value, read.origin, defaultSite) : ok(read.value);
  };

/** A value that holds to the contract as ingest wrote it (wire fields plus enrichment). */
export function checkEnrichedEvent(value: unknown): Outcome<EnrichedEvent> {
  return validateEnrichedEvent(value);
}

export interface DecodeOptions {
  /** The site of records that name none (PULSE_DEFAULT_SITE); FALLBACK_SITE when not given. */
  defaultSite?: string | undefined;
}

/** The steps every event worker starts with: bytes → a contract-valid enriched event. */
export function decodeEventWith(options: DecodeOptions = {}): Pipeline<BusRecord, EnrichedEvent> {
  return pipeline(readRecordJson, mapActivityRecord(options.defaultSite ?? FALLBACK_SITE), checkEnrichedEvent);
}

/** The decode pipeline with the fallback default site, for tests and tools that run no configuration. */
export const decodeEvent = decodeEventWith();
