import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { watchFetching } from '../../../src/bus/kafka/kafka-subscription.ts';
import type { PulseError } from '../../../src/shared/errors.ts';
import { waitFor } from '../../helpers/services.ts';

class FakeStream extends EventEmitter {
  paused = false;
  destroyed = false;
  isPaused(): boolean {
    return this.paused;
  }
}

const STALL_MS = 200;
const owning = { groupId: 'pulse-realtime', assignments: [{ partitions: [0, 3] }] };

test('a member that owns partitions and completes no fetch for the stall time is handed on as broken (retriable)', async () => {
  const stream = new FakeStream();
  const failures: PulseError[] = [];
  const watch = watchFetching(owning, stream, STALL_MS, (error) => failures.push(error));
  try {
    const failure = await waitFor(async () => failures[0], 'the stall reported', 10_000);
    assert.equal(failure.code, 'PULSE_BUS_UNAVAILABLE');
    assert.equal(failure.retriable, true);
    assert.match(failure.message, /group "pulse-realtime": no fetch completed for \d+ s while owning partitions/);
  } finally {
    watch.stop();
  }
});

test('fetches that keep completing, a stream paused by our own bound, and a member owning nothing are never reported', async () => {
  const failures: PulseError[] = [];
  const fetching = new FakeStream();
  const paused = Object.assign(new FakeStream(), { paused: true });
  const idle = new FakeStream();
  const watches = [
    watchFetching(owning, fetching, STALL_MS, (error) => failures.push(error)),
    watchFetching(owning, paused, STALL_MS, (error) => failures.push(error)),
    watchFetching({ groupId: 'pulse-realtime', assignments: [] }, idle, STALL_MS, (error) => failures.push(error)),
  ];
  // A stalled control watched beside them proves that enough checks ran for a stall to be seen.
  const control: PulseError[] = [];
  const controlWatch = watchFetching(owning, new FakeStream(), STALL_MS, (error) => control.push(error));
  const ticker = setInterval(() => fetching.emit('fetch'), STALL_MS / 4);
  try {
    await waitFor(async () => (control.length >= 3 ? true : undefined), 'the control reported three times', 20_000);
    assert.deepEqual(failures, []);
  } finally {
    clearInterval(ticker);
    for (const watch of [...watches, controlWatch]) watch.stop();
  }
});
