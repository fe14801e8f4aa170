import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { topics } from '../../src/bus/topics.ts';
import { errorCodes, isPulseError } from '../../src/shared/errors.ts';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { busAs, cluster, clusterEnv, withBus } from '../helpers/cluster.ts';
import { startService } from '../helpers/pipeline.ts';
import { redisUrl, spawnPulse } from '../helpers/services.ts';
import { readFileSync } from 'node:fs';

const event = (id: string) => ({ topic: topics.userActivity, key: id, value: JSON.stringify({ probe: id }) });

test('each service principal does what its ACLs allow over TLS and SCRAM, and nothing else', async () => {
  const id = `acl-${randomUUID()}`;
  await withBus(busAs('INGEST'), async (bus) => {
    const [produced] = await bus.produce([event(id)]);
    assert.equal(produced?.topic, topics.userActivity);
  });
  await withBus(busAs('GENERATOR'), async (bus) => {
    await assert.rejects(
      bus.produce([event(`${id}-denied`)]),
      (error: unknown) => isPulseError(error, errorCodes.BUS_UNAUTHORIZED) && /TOPIC_AUTHORIZATION_FAILED/.test(error.message),
      'the generator may not write user-activity',
    );
    await assert.rejects(
      async () => {
        const subscription = await bus.subscribe({ group: 'pulse-realtime', topics: [topics.userActivity], from: 'earliest' });
        try {
          await subscription.poll(10, 5000);
        } finally {
          await subscription.close();
        }
      },
      (error: unknown) => isPulseError(error, errorCodes.BUS_UNAUTHORIZED),
      'the generator may not read user-activity',
    );
  });
  await withBus(busAs('REALTIME'), async (bus) => {
    await assert.rejects(
      bus.produce([event(`${id}-denied`)]),
      (error: unknown) => isPulseError(error, errorCodes.BUS_UNAUTHORIZED),
      'the realtime worker may read user-activity, not write it',
    );
    await assert.rejects(
      async () => {
        const subscription = await bus.subscribe({ group: 'pulse-warehouse-postgres', topics: [topics.userActivity], from: 'latest' });
        await subscription.close();
      },
      (error: unknown) => isPulseError(error, errorCodes.BUS_UNAUTHORIZED),
      'the realtime worker may not join the warehouse group',
    );
  });
});

test('the CLI as a principal without the ACL fails with a clear error and a non-zero exit', async () => {
  const child = spawnPulse(['listen', topics.userActivity, '--from', 'earliest', '--count', '1'], {
    ...clusterEnv('GENERATOR'),
    PULSE_LOG_LEVEL: 'warn',
  });
  const code = await new Promise<number | null>((resolve) => child.child.once('exit', resolve));
  assert.notEqual(code, 0, child.output());
  assert.match(child.output(), /pulse: .*Kafka refused \((TOPIC|GROUP)_AUTHORIZATION_FAILED\)/);
  assert.ok(!child.output().includes(cluster.password('GENERATOR')), 'the password is not printed');
});

test('a wrong password and a client without TLS are refused; no message carries the password', async () => {
  const wrong = `wrong-${randomUUID()}`;
  await withBus(
    createKafkaBus({
      brokers: cluster.brokers().split(','),
      clientId: 'test-wrong-password',
      requestTimeoutMs: 5000,
      tls: { ca: readCa(), rejectUnauthorized: true },
      sasl: { mechanism: 'SCRAM-SHA-512', username: cluster.user('INGEST'), password: wrong },
    }),
    async (bus) => {
      await assert.rejects(bus.produce([event(`pw-${randomUUID()}`)]), (error: unknown) => {
        assert.ok(isPulseError(error, errorCodes.BUS_UNAUTHORIZED), String(error));
        assert.ok(!JSON.stringify(error, Object.getOwnPropertyNames(error)).includes(wrong), 'the password is not in the error');
        return true;
      });
    },
  );
  const started = Date.now();
  await withBus(
    createKafkaBus({
      brokers: cluster.brokers().split(','),
      clientId: 'test-no-tls',
      requestTimeoutMs: 3000,
      sasl: { mechanism: 'SCRAM-SHA-512', username: cluster.user('INGEST'), password: cluster.password('INGEST') },
    }),
    async (bus) => {
      // A TLS listener and a plaintext client cannot talk: the client sees a failed login or an outage.
      await assert.rejects(
        bus.produce([event(`plain-${randomUUID()}`)]),
        (error: unknown) => isPulseError(error, errorCodes.BUS_UNAVAILABLE) || isPulseError(error, errorCodes.BUS_UNAUTHORIZED),
      );
    },
  );
  assert.ok(Date.now() - started < 60_000, 'refused within a bounded time');
});

function readCa(): string {
  return readFileSync(cluster.caFile(), 'utf8');
}

test('the generator and the dashboard run as their own principals on the secured cluster', async () => {
  const generator = spawnPulse(['generate', '--target', 'kafka', '--count', '50', '--eps', '500', '--seed', '5'], {
    ...clusterEnv('GENERATOR'),
    PULSE_LOG_LEVEL: 'warn',
  });
  assert.equal(await new Promise((resolve) => generator.child.once('exit', resolve)), 0, generator.output());
  const final = JSON.parse(
    generator
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .at(-1) ?? '{}',
  ) as { acked?: number; failed?: number };
  assert.deepEqual([final.acked, final.failed], [50, 0], generator.output());

  const dashboard = await startService(['dashboard'], {
    ...clusterEnv('DASHBOARD'),
    PULSE_REDIS_URL: redisUrl,
    PULSE_LOG_LEVEL: 'warn',
    // Its accounts (no PostgreSQL here) in a PGlite of its own.
    PULSE_DATA_DIR: await mkdtemp(join(tmpdir(), 'pulse-secured-dashboard-')),
  });
  try {
    const status = (await (await fetch(`${dashboard.base}/status`)).json()) as {
      pipeline: { error: string | null; groups: { group: string }[] };
    };
    assert.equal(status.pipeline.error, null, 'the dashboard may read the groups’ lag');
    assert.deepEqual(
      status.pipeline.groups.map((g) => g.group),
      ['pulse-realtime'],
    );
    assert.ok(!JSON.stringify(status).includes(cluster.password('DASHBOARD')), 'no secret in /status');
  } finally {
    await dashboard.process.stop();
  }
});
