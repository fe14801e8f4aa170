import { errors } from '@opensearch-project/opensearch';
import { PulseError } from '../../../shared/errors.ts';
import { storeCodes, type StoreErrorKind } from '../../store-errors.ts';

/**
 * How the OpenSearch adapter reports failures, in Pulse's store error model (store-errors.ts):
 * - no answer (connection refused or reset, timeout, no living node, an unreadable answer) and
 *   answers 408, 429 and 5xx are `unavailable`: the same request can succeed later;
 * - 401, 403 (security, or an index blocked read-only at the disk flood stage) and 404 (an index
 *   that migrate() did not create) are `failed`: an operator must act;
 * - any other 4xx (a mapping rejection, a malformed value, a result window too large, a body too
 *   large) is `rejected`: the same request fails again.
 * Messages carry the operation, the status and OpenSearch's error type and reason, never a
 * document: the reason is cut before OpenSearch's preview of a field's value.
 */

/** An error reported by OpenSearch: its type (`mapper_parsing_exception`) and reason. */
export interface OpenSearchCause {
  type?: string | undefined;
  reason?: string | undefined;
}

export function kindOfStatus(status: number): StoreErrorKind {
  if (status === 408 || status === 429 || status >= 500) return 'unavailable';
  if (status === 401 || status === 403 || status === 404) return 'failed';
  return status >= 400 ? 'rejected' : 'unavailable';
}

export function openSearchErrorKind(error: unknown): StoreErrorKind {
  if (error instanceof errors.ResponseError) return kindOfStatus(error.statusCode);
  if (error instanceof errors.SerializationError) return 'rejected'; // a value JSON cannot carry
  if (error instanceof errors.ConfigurationError) return 'failed';
  // ConnectionError, TimeoutError, NoLivingConnectionsError, RequestAbortedError, DeserializationError
  // (no usable answer came back), and anything else: wait and try again, never drop data.
  return 'unavailable';
}

const MAX_REASON = 300;

/** OpenSearch's reason without the value it quotes from the document (`Preview of field's value: …`). */
export function safeReason(cause: OpenSearchCause | undefined): string {
  if (cause === undefined) return 'no reason given';
  const reason = (cause.reason ?? '').replace(/\.?\s*Preview of field's value[\s\S]*$/, '').trim();
  const cut = reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}…` : reason;
  return cut === '' ? (cause.type ?? 'unknown error') : `${cause.type ?? 'error'}: ${cut}`;
}

/** The status and OpenSearch's own error of a failed request, read from the client's error. */
function describe(error: unknown): { status: number | undefined; text: string } {
  if (error instanceof errors.ResponseError) {
    const body: unknown = error.meta.body;
    const cause = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
    if (typeof cause === 'object' && cause !== null) return { status: error.statusCode, text: safeReason(cause as OpenSearchCause) };
    return { status: error.statusCode, text: `HTTP ${error.statusCode}` };
  }
  if (error instanceof errors.SerializationError) return { status: undefined, text: 'a value could not be serialised' };
  if (error instanceof Error)
    return { status: undefined, text: `${error.name}: ${error.message.split('\n', 1)[0] ?? ''}`.slice(0, MAX_REASON) };
  return { status: undefined, text: 'unknown error' };
}

export class OpenSearchError extends PulseError {
  /** The HTTP status OpenSearch answered, or undefined when no answer came. */
  readonly status: number | undefined;

  constructor(operation: string, error: unknown) {
    const { status, text } = describe(error);
    const kind = openSearchErrorKind(error);
    super(storeCodes[kind], `opensearch ${operation} failed (${kind}${status === undefined ? '' : `, HTTP ${status}`}): ${text}`, {
      cause: new Error(text),
    });
    this.name = 'OpenSearchError';
    this.status = status;
  }
}

/** One document a bulk request did not write. */
export interface BulkFailure {
  id: string;
  status: number;
  kind: StoreErrorKind;
  reason: string;
}

/** Which kind a batch with these failures is: retry if any may pass with time, else the operator's or the data's fault. */
export function bulkKind(failures: readonly BulkFailure[]): StoreErrorKind {
  if (failures.some((failure) => failure.kind === 'unavailable')) return 'unavailable';
  return failures.some((failure) => failure.kind === 'failed') ? 'failed' : 'rejected';
}

/**
 * A bulk request OpenSearch answered with failed items. The other documents of the batch were
 * written; writes are idempotent, so the batch may be written again whole once the cause is gone.
 */
export class OpenSearchBulkError extends PulseError {
  readonly failures: readonly BulkFailure[];

  constructor(operation: string, total: number, failures: readonly BulkFailure[]) {
    const kind = bulkKind(failures);
    const first = failures[0];
    const example = first === undefined ? '' : `; first: ${first.id} HTTP ${first.status} ${first.reason}`;
    super(storeCodes[kind], `opensearch ${operation} failed (${kind}): ${failures.length} of ${total} documents not written${example}`);
    this.name = 'OpenSearchBulkError';
    this.failures = failures;
  }
}
