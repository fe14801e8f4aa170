import { Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { dlq, ok, type Outcome } from './outcome.ts';
import { Enrichment, eventSchemas, eventTypes, type EnrichedEvent, type EventType, type WireEvent } from './event-schema.ts';

// ajv-formats ships CommonJS whose default export is the plugin function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Fields every event needs, whatever its type. */
const commonRequired = ['site', 'user_id', 'session_id', 'url'] as const;

/**
 * Without a type no variant applies, so the reason lists everything the input lacks that any event
 * needs (e.g. `missing: type, site, url`): a client in another shape learns what to add at once.
 */
function missingWithoutType(input: object): string {
  const fields = input as Record<string, unknown>;
  const missing = ['type', ...commonRequired.filter((name) => fields[name] === undefined)];
  return `missing: ${missing.join(', ')} (type is one of ${eventTypes.join(', ')})`;
}

/**
 * A validator that dispatches on `type` first, so an unknown type gets a
 * clear message instead of five union errors; with no type at all, the missing fields are named.
 */
function dispatchingValidator<T>(validators: Record<EventType, ValidateFunction<T>>): (input: unknown) => Outcome<T> {
  return (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return dlq('event must be a JSON object');
    }
    const type = (input as { type?: unknown }).type;
    if (type === undefined) return dlq(missingWithoutType(input));
    if (typeof type !== 'string' || !(eventTypes as readonly string[]).includes(type)) {
      return dlq(`unknown event type ${JSON.stringify(type)}; expected one of ${eventTypes.join(', ')}`);
    }
    const validate = validators[type as EventType];
    if (!validate(input)) return dlq(describe(validate.errors?.[0]));
    // `format: uri` is RFC 3986, which takes addresses a URL parser refuses (port 99999, `[v1.x]` hosts); enrichment parses it.
    if (!URL.canParse((input as unknown as { url: string }).url)) return dlq('field "url" must be an absolute URL a browser can parse');
    return ok(input);
  };
}

// removeAdditional: unknown top-level fields are dropped, so a newer tracker never breaks an older server.
const wireAjv = addFormats(new Ajv({ allErrors: false, removeAdditional: 'all', strict: false }));
// Records on a topic are read as they are: nothing is removed, everything ingest adds must be there.
const recordAjv = addFormats(new Ajv({ allErrors: false, strict: false }));

const compileAll = <T>(ajv: Ajv, schemaOf: (type: EventType) => object) =>
  Object.fromEntries(eventTypes.map((type) => [type, ajv.compile(schemaOf(type))])) as Record<EventType, ValidateFunction<T>>;

/** Checks one event as a client sent it (ingest). */
export const validateEvent = dispatchingValidator<WireEvent>(compileAll(wireAjv, (type) => eventSchemas[type]));

/** Checks one event as read from a topic (workers): the wire contract plus ingest's enrichment. */
export const validateEnrichedEvent = dispatchingValidator<EnrichedEvent>(
  compileAll(recordAjv, (type) => Type.Composite([eventSchemas[type], Enrichment])),
);

function describe(error: ErrorObject | undefined): string {
  if (error === undefined) return 'invalid event';
  const field = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (error.keyword === 'required') return `missing required field "${String(error.params['missingProperty'])}"`;
  return `field "${field}" ${error.message ?? 'is invalid'}`;
}
