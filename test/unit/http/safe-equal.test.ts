import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeEqual } from '../../../src/http/safe-equal.ts';

test('safeEqual is string equality, whatever the lengths', () => {
  assert.equal(safeEqual('Bearer abc', 'Bearer abc'), true);
  assert.equal(safeEqual('', ''), true);
  assert.equal(safeEqual('Bearer abc', 'Bearer abd'), false);
  assert.equal(safeEqual('Bearer abc', 'Bearer ab'), false, 'a prefix');
  assert.equal(safeEqual('Bearer abc', 'Bearer abcd'), false, 'longer');
  assert.equal(safeEqual('', 'x'), false);
  assert.equal(safeEqual('x'.repeat(10_000), 'x'.repeat(10_000)), true);
  assert.equal(safeEqual('token-é', 'token-é'), true);
  assert.equal(safeEqual('token-é', 'token-e\u0301'), false, 'no Unicode normalisation: bytes compare');
});

test('safeEqual does not throw where timingSafeEqual would (buffers of different lengths)', () => {
  assert.doesNotThrow(() => safeEqual('short', 'a much longer string than the other one'));
});
