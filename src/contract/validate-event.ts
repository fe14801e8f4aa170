import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { eventSchemas, eventTypes, type EventType, type WireEvent } from './event-schema.ts';

export type ValidationOutcome = { ok: true; event: WireEvent } | { ok: false; reason: string };

// ajv-formats ships CommonJS whose default export is the plugin function.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

// removeAdditional: unknown top-level fields are dropped, so a newer tracker never breaks an older server.
const ajv = addFormats(new Ajv({ allErrors: false, removeAdditional: 'all', strict: false }));
const validators = Object.fromEntries(eventTypes.map((type) => [type, ajv.compile(eventSchemas[type])])) as Record<
  EventType,
  ValidateFunction<WireEvent>
>;

/**
 * Checks one decoded JSON value against the contract. Dispatches on `type`
 * first so that an unknown type gets a clear message instead of five union errors.
 */
export function validateEvent(input: unknown): ValidationOutcome {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, reason: 'event must be a JSON object' };
  }
  const type = (input as { type?: unknown }).type;
  if (typeof type !== 'string' || !(eventTypes as readonly string[]).includes(type)) {
    return { ok: false, reason: `unknown event type ${JSON.stringify(type)}; expected one of ${eventTypes.join(', ')}` };
  }
  const validate = validators[type as EventType];
  if (validate(input)) return { ok: true, event: input };
  return { ok: false, reason: describe(validate.errors?.[0]) };
}

function describe(error: ErrorObject | undefined): string {
  if (error === undefined) return 'invalid event';
  const field = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (error.keyword === 'required') return `missing required field "${String(error.params['missingProperty'])}"`;
  return `field "${field}" ${error.message ?? 'is invalid'}`;
}
