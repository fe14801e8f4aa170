import { AuthenticationError, findErrorBy, GenericError, type ProtocolError } from '@platformatic/kafka';
import { PulseError, errorCodes, type ErrorCode } from '../../shared/errors.ts';

/**
 * Kafka's own error codes (as the client reports them: `apiId`, `canRetry`) mapped to Pulse's.
 * A record the broker refuses for what it is answers 413 on ingest, as on the embedded bus.
 */
const codeForApiError: Readonly<Record<string, ErrorCode>> = {
  MESSAGE_TOO_LARGE: errorCodes.BUS_INVALID_RECORD,
  RECORD_LIST_TOO_LARGE: errorCodes.BUS_INVALID_RECORD,
  INVALID_RECORD: errorCodes.BUS_INVALID_RECORD,
  CORRUPT_MESSAGE: errorCodes.BUS_INVALID_RECORD,
  UNKNOWN_TOPIC_OR_PARTITION: errorCodes.BUS_UNKNOWN_TOPIC,
  TOPIC_AUTHORIZATION_FAILED: errorCodes.BUS_UNAUTHORIZED,
  GROUP_AUTHORIZATION_FAILED: errorCodes.BUS_UNAUTHORIZED,
  CLUSTER_AUTHORIZATION_FAILED: errorCodes.BUS_UNAUTHORIZED,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: errorCodes.BUS_UNAUTHORIZED,
  SASL_AUTHENTICATION_FAILED: errorCodes.BUS_UNAUTHORIZED,
  NON_EMPTY_GROUP: errorCodes.BUS_GROUP_ACTIVE,
};

/**
 * The first error in what the client threw that has `property` = `value`. The client nests its
 * errors two ways: per broker, topic and partition in `errors`, and a connection's reason as its
 * `cause` (a refused SASL login is the cause of "cannot connect"); both are searched.
 */
function findInChain(error: unknown, property: string, value: unknown, depth = 0): Error | null {
  if (!(error instanceof Error) || depth > 8) return null;
  const found = findErrorBy(error, property, value);
  if (found !== null) return found;
  for (const inner of [...((error as { errors?: unknown[] }).errors ?? []), error.cause]) {
    const deeper = findInChain(inner, property, value, depth + 1);
    if (deeper !== null) return deeper;
  }
  return null;
}

/** The first protocol error the client reports (responses nest them per topic and partition). */
export function protocolErrorOf(error: unknown): ProtocolError | null {
  return findInChain(error, 'code', 'PLT_KFK_PROTOCOL') as ProtocolError | null;
}

/** True when the client's error carries this Kafka error (e.g. `GROUP_ID_NOT_FOUND`). */
export function hasKafkaError(error: unknown, apiId: string): boolean {
  return findInChain(error, 'apiId', apiId) !== null;
}

/** A Pulse error for what the Kafka client threw while doing `what`. */
export function busError(error: unknown, what: string): PulseError {
  if (error instanceof PulseError) return error;
  for (const [apiId, code] of Object.entries(codeForApiError)) {
    if (hasKafkaError(error, apiId)) {
      return new PulseError(code, `${what}: Kafka refused (${apiId})`, { cause: error, retriable: code === errorCodes.BUS_GROUP_ACTIVE });
    }
  }
  if (findInChain(error, 'code', AuthenticationError.code) !== null) {
    return new PulseError(errorCodes.BUS_UNAUTHORIZED, `${what}: Kafka refused the credentials`, { cause: error });
  }
  const protocol = protocolErrorOf(error);
  // Network errors, timeouts and retriable broker errors (leader moved, not enough replicas) may pass.
  const retriable = protocol === null ? !(error instanceof GenericError && error.code === 'PLT_KFK_USER') : protocol['canRetry'] !== false;
  const reason = protocol === null ? '' : ` (${String(protocol['apiId'])})`;
  return new PulseError(errorCodes.BUS_UNAVAILABLE, `${what}: Kafka did not complete the request${reason}`, { cause: error, retriable });
}
