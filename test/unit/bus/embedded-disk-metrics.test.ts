import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createEmbeddedBus } from '../../../src/bus/embedded/embedded-bus.ts';
import { logBytesByTopic, registerEmbeddedDiskMetrics, topicOfPartitionDir } from '../../../src/bus/embedded/disk-metrics.ts';
import { silentLogger } from '../../helpers/embedded-bus.ts';

test('a partition directory names its topic; anything else is not a topic', () => {
  assert.equal(topicOfPartitionDir('user-activity-0'), 'user-activity');
  assert.equal(topicOfPartitionDir('mouse-coordinates.dlq-12'), 'mouse-coordinates.dlq');
  assert.equal(topicOfPartitionDir('user-activity'), undefined);
  assert.equal(topicOfPartitionDir('-1'), undefined);
  assert.equal(topicOfPartitionDir('notes.txt'), undefined);
});

test('the embedded log size per topic and the free disk are measured when scraped', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-disk-metrics-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.deepEqual(await logBytesByTopic(join(dir, 'missing')), new Map(), 'no log yet: nothing, no error');
  const bus = await createEmbeddedBus({ dir, logger: silentLogger });
  t.after(() => bus.close());
  await bus.ensureTopics([
    { name: 'big', partitions: 2 },
    { name: 'small', partitions: 1 },
  ]);
  const registry = new Registry();
  registerEmbeddedDiskMetrics(registry, dir);
  registerEmbeddedDiskMetrics(registry, dir); // a second registration is harmless

  const logBytes = async () =>
    Object.fromEntries(
      ((await registry.getSingleMetric('pulse_embedded_log_bytes')?.get())?.values ?? []).map((v) => [v.labels['topic'], v.value]),
    );
  const before = await logBytes();
  await bus.produce(Array.from({ length: 200 }, (_, i) => ({ topic: 'big', key: `k${i}`, value: 'x'.repeat(500) })));
  await bus.produce([{ topic: 'small', key: 'k', value: 'y' }]);
  const after = await logBytes();
  assert.deepEqual(Object.keys(after).sort(), ['big', 'small']);
  assert.ok((after['big'] ?? 0) >= (before['big'] ?? 0) + 200 * 500, `big grew by its records: ${JSON.stringify({ before, after })}`);
  assert.ok((after['small'] ?? 0) > 0);

  const free = (await registry.getSingleMetric('pulse_embedded_disk_free_bytes')?.get())?.values[0]?.value ?? 0;
  const size = (await registry.getSingleMetric('pulse_embedded_disk_size_bytes')?.get())?.values[0]?.value ?? 0;
  assert.ok(free > 0 && size >= free, `free ${free} of ${size}`);
});
