import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { NetworkError } from '@platformatic/kafka';
import { onMemberLost } from '../../../src/bus/kafka/kafka-subscription.ts';
import type { PulseError } from '../../../src/shared/errors.ts';

test('a consumer whose re-join failed emits `error`: it becomes a retriable bus failure of the subscription, never an uncaught exception', () => {
  const consumer = new EventEmitter();
  const failures: PulseError[] = [];
  onMemberLost(consumer, 'pulse-realtime', (error) => failures.push(error));
  // Without a listener, EventEmitter throws an `error` event at the emitter: the process would end here.
  assert.doesNotThrow(() => consumer.emit('error', new NetworkError('Connection closed')));
  assert.equal(failures.length, 1);
  assert.equal(failures[0]?.code, 'PULSE_BUS_UNAVAILABLE');
  assert.equal(failures[0]?.retriable, true);
  assert.match(failures[0]?.message ?? '', /stay in group "pulse-realtime"/);
});
