import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errors } from '@opensearch-project/opensearch';
import { errorCodes } from '../../../../src/shared/errors.ts';
import { failuresOf } from '../../../../src/stores/search/opensearch/bulk-writes.ts';
import {
  bulkKind,
  kindOfStatus,
  OpenSearchBulkError,
  OpenSearchError,
  openSearchErrorKind,
  safeReason,
} from '../../../../src/stores/search/opensearch/errors.ts';

/** A ResponseError as the client builds it from an answer. */
function answer(statusCode: number, error?: { type: string; reason: string }): errors.ResponseError {
  const body = error === undefined ? {} : { error: { ...error, root_cause: [error] }, status: statusCode };
  return new errors.ResponseError({ body, statusCode, headers: {}, meta: {} as never, warnings: null });
}

const PREVIEW_REASON =
  "failed to parse field [updated_at] of type [date] in document with id 'p-1'. Preview of field's value: 'secret-value'";

describe('opensearch error classification', () => {
  test('no answer is unavailable: connection refused, timeout, no living node, aborted, unreadable, unknown', () => {
    for (const error of [
      new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:19200'),
      new errors.TimeoutError('Request timed out', {} as never),
      new errors.NoLivingConnectionsError('There are no living connections', {} as never),
      new errors.RequestAbortedError('Request aborted'),
      new errors.DeserializationError('Unexpected token', '<html>'),
      new Error('socket hang up'),
      'a string',
    ]) {
      assert.equal(openSearchErrorKind(error), 'unavailable', String(error));
    }
  });

  test('answers: 429, 408 and 5xx unavailable; 401, 403, 404 failed; other 4xx rejected', () => {
    const expected = {
      400: 'rejected',
      401: 'failed',
      403: 'failed',
      404: 'failed',
      408: 'unavailable',
      409: 'rejected',
      413: 'rejected',
      429: 'unavailable',
      500: 'unavailable',
      502: 'unavailable',
      503: 'unavailable',
      504: 'unavailable',
    } as const;
    for (const [status, kind] of Object.entries(expected)) {
      assert.equal(kindOfStatus(Number(status)), kind, status);
      assert.equal(openSearchErrorKind(answer(Number(status))), kind, status);
    }
    assert.equal(openSearchErrorKind(new errors.SerializationError('circular', {})), 'rejected');
    assert.equal(openSearchErrorKind(new errors.ConfigurationError('bad node')), 'failed');
  });

  test('an OpenSearchError names the operation, status, type and reason, never a value of the document', () => {
    const rejected = new OpenSearchError('search', answer(400, { type: 'mapper_parsing_exception', reason: PREVIEW_REASON }));
    assert.equal(rejected.code, errorCodes.STORE_REJECTED);
    assert.equal(rejected.retriable, false);
    assert.equal(rejected.status, 400);
    assert.equal(
      rejected.message,
      "opensearch search failed (rejected, HTTP 400): mapper_parsing_exception: failed to parse field [updated_at] of type [date] in document with id 'p-1'",
    );
    assert.doesNotMatch(`${rejected.message} ${String((rejected.cause as Error).message)}`, /secret-value/);

    const busy = new OpenSearchError('upsertProducts', answer(429, { type: 'es_rejected_execution_exception', reason: 'queue full' }));
    assert.equal(busy.code, errorCodes.STORE_UNAVAILABLE);
    assert.equal(busy.retriable, true);

    const missing = new OpenSearchError('search', answer(404, { type: 'index_not_found_exception', reason: 'no such index [x]' }));
    assert.equal(missing.code, errorCodes.STORE_FAILED);

    const down = new OpenSearchError('ping', new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:1'));
    assert.equal(down.code, errorCodes.STORE_UNAVAILABLE);
    assert.equal(down.status, undefined);
    assert.match(down.message, /^opensearch ping failed \(unavailable\): ConnectionError: connect ECONNREFUSED/);
  });

  test('safeReason cuts the preview and long reasons', () => {
    assert.equal(safeReason(undefined), 'no reason given');
    assert.equal(safeReason({ type: 'x_exception' }), 'x_exception');
    assert.equal(safeReason({ type: 'x', reason: 'r'.repeat(400) }).length, 'x: '.length + 300 + 1);
  });

  test('bulk items: failures found per item; a delete that found nothing is not one', () => {
    const failures = failuresOf([
      { index: { _id: 'a', status: 201, result: 'created' } },
      { index: { _id: 'b', status: 400, error: { type: 'mapper_parsing_exception', reason: PREVIEW_REASON } } },
      { delete: { _id: 'c', status: 404, result: 'not_found' } },
      { delete: { _id: 'd', status: 404, error: { type: 'index_not_found_exception', reason: 'no such index' } } },
      { index: { _id: 'e', status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } } },
    ]);
    assert.deepEqual(
      failures.map((failure) => [failure.id, failure.status, failure.kind]),
      [
        ['b', 400, 'rejected'],
        ['d', 404, 'failed'],
        ['e', 429, 'unavailable'],
      ],
    );
    assert.doesNotMatch(JSON.stringify(failures), /secret-value/);
  });

  test('a batch is unavailable if any item may pass with time, else failed before rejected', () => {
    const item = (kind: 'unavailable' | 'failed' | 'rejected') => ({ id: kind, status: 0, kind, reason: '' });
    assert.equal(bulkKind([item('rejected'), item('unavailable'), item('failed')]), 'unavailable');
    assert.equal(bulkKind([item('rejected'), item('failed')]), 'failed');
    assert.equal(bulkKind([item('rejected')]), 'rejected');
    const error = new OpenSearchBulkError('indexQueries', 10, [item('rejected')]);
    assert.equal(error.code, errorCodes.STORE_REJECTED);
    assert.equal(error.retriable, false);
    assert.match(error.message, /^opensearch indexQueries failed \(rejected\): 1 of 10 documents not written; first: rejected HTTP 0/);
  });
});
