import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Bus, OutgoingRecord } from '../../src/bus/bus.ts';
import { dlqOf } from '../../src/bus/topics.ts';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import type { EnrichedEvent } from '../../src/contract/event-schema.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { createClickHouseWarehouse, httpExecutor, type ClickHouseWarehouse } from '../../src/stores/warehouse/clickhouse/index.ts';
import { sqlIdentifier, sqlString } from '../../src/stores/warehouse/clickhouse/sql.ts';
import { warehouseWorker } from '../../src/workers/warehouse/warehouse-worker.ts';
import { startWorker } from '../../src/workers/worker-runner.ts';
import { random } from '../../src/generator/prng.ts';
import { realtimeEvent } from '../helpers/realtime-store-suite.ts';
import { kafkaBrokers, waitFor } from '../helpers/services.ts';
import {
  WAREHOUSE_BASE,
  WAREHOUSE_SPAN,
  defineWarehouseSuite,
  expectedPageAggregates,
  warehouseStream,
} from '../helpers/warehouse-suite.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';
import { checkClickHouseBotUpgrade } from '../helpers/bot-upgrade.ts';

/**
 * The ClickHouse warehouse against the server scripts/stack runs (Debian 12's clickhouse-server
 * 18.16; `bash scripts/stack up clickhouse`). The shared suite checks the port's figures; the
 * tests below look inside: the aggregate tables ClickHouse maintains itself, the 5,000-event
 * batch, forgetUser's traces, and a Kafka pipeline with invalid records and a full replay.
 * The same adapter runs on current ClickHouse in test/unit/warehouse/clickhouse-sql.test.ts.
 */

const clickhouseUrl = process.env['PULSE_CLICKHOUSE_URL'] ?? 'http://127.0.0.1:18123';
const databaseName = (label: string) => `pulse_test_${label}_${process.pid}_${Date.now().toString(36)}`;

async function dropDatabase(database: string): Promise<void> {
  const dropper = createClickHouseWarehouse({ url: clickhouseUrl, database });
  await dropper.dropDatabase();
  await dropper.close();
}

defineWarehouseSuite('ClickHouse warehouse (the scripts/stack server)', async (options) => {
  const database = databaseName('suite');
  const warehouse = createClickHouseWarehouse({ url: clickhouseUrl, database, ...options });
  return { warehouse, readErrors: () => warehouse.readErrors(), cleanup: () => dropDatabase(database) };
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface BucketFigures {
  page: string;
  start: number;
  views: number;
  users: number;
  /** Views under 5 s (held in bounces_state, seed 002's name). */
  quickExits: number;
  durationSum: number;
  durationCount: number;
}

/** What the aggregate tables must hold for `events` of one site, per (page, UTC minute or hour). */
function expectedBuckets(events: readonly EnrichedEvent[], size: number): BucketFigures[] {
  const buckets = new Map<string, BucketFigures & { userSet: Set<string> }>();
  for (const event of events) {
    if (event.type !== 'page_view') continue;
    const start = Math.floor(Date.parse(event.received_at) / size) * (size / 1000);
    const key = `${start}\u0000${event.path}`;
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      bucket = { page: event.path, start, views: 0, users: 0, quickExits: 0, durationSum: 0, durationCount: 0, userSet: new Set() };
      buckets.set(key, bucket);
    }
    bucket.views += 1;
    bucket.userSet.add(event.user_id);
    const duration = (event as { duration?: number }).duration;
    if (duration !== undefined) {
      bucket.durationSum += duration;
      bucket.durationCount += 1;
      if (duration < 5) bucket.quickExits += 1;
    }
  }
  return [...buckets.values()]
    .map(({ userSet, ...rest }) => ({ ...rest, users: userSet.size }))
    .sort((a, b) => a.start - b.start || Buffer.compare(Buffer.from(a.page), Buffer.from(b.page)));
}

describe('ClickHouse specifics (the scripts/stack server)', () => {
  const database = databaseName('specifics');
  const sql = httpExecutor({ url: clickhouseUrl });
  const db = sqlIdentifier(database);
  let warehouse: ClickHouseWarehouse;

  /** The aggregate tables read directly with the -Merge combinators. */
  const aggregateTable = async (grain: 'minute' | 'hour', site: string): Promise<BucketFigures[]> => {
    const rows = await sql.query<Record<string, string | number>>(
      `SELECT page, toUInt32(${grain}) AS start, countMerge(views_state) AS views, uniqExactMerge(users_state) AS users,
         sumMerge(bounces_state) AS quickExits, sumMerge(duration_sum_state) AS durationSum, sumMerge(duration_count_state) AS durationCount
       FROM ${db}.page_aggregates_${grain} WHERE site = ${sqlString(site)} GROUP BY page, start ORDER BY start, page`,
    );
    return rows.map((r) => ({
      page: String(r['page']),
      start: Number(r['start']),
      views: Number(r['views']),
      users: Number(r['users']),
      quickExits: Number(r['quickExits']),
      durationSum: Number(r['durationSum']),
      durationCount: Number(r['durationCount']),
    }));
  };

  before(async () => {
    warehouse = createClickHouseWarehouse({ url: clickhouseUrl, database });
    await warehouse.migrate();
  });
  after(async () => {
    await warehouse.close();
    await dropDatabase(database);
    await sql.close();
  });

  test('the server, the migrations (recorded once) and the materialized views', async (t) => {
    const [server] = await sql.query<{ version: string }>('SELECT version() AS version');
    t.diagnostic(`ClickHouse ${server?.version}`);
    await warehouse.migrate();
    const applied = await sql.query<{ version: number; name: string }>(
      `SELECT version, name FROM ${db}.schema_migrations ORDER BY version`,
    );
    assert.deepEqual(
      applied,
      [
        { version: 1, name: 'raw_tables_and_page_aggregates' },
        { version: 2, name: 'bot_traffic' },
        { version: 3, name: 'event_names_and_props' },
      ],
      'each migration applied once',
    );
    const tables = await sql.query<{ name: string; engine: string }>(
      `SELECT name, engine FROM system.tables WHERE database = ${sqlString(database)} ORDER BY name`,
    );
    assert.deepEqual(Object.fromEntries(tables.map((r) => [r.name, r.engine])), {
      events_raw: 'ReplacingMergeTree',
      forgotten_users: 'ReplacingMergeTree',
      page_aggregates_hour: 'AggregatingMergeTree',
      page_aggregates_hour_humans_mv: 'MaterializedView',
      page_aggregates_minute: 'AggregatingMergeTree',
      page_aggregates_minute_humans_mv: 'MaterializedView',
      page_views_raw: 'ReplacingMergeTree',
      processing_errors: 'ReplacingMergeTree',
      schema_migrations: 'ReplacingMergeTree',
    });
  });

  test('string literals read back unchanged on this server', async () => {
    const samples = [
      "it's",
      'back\\slash \\n not a newline',
      String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i), 0x7f),
      'ünï-😀 Straße — "quotes"',
      "'; DROP TABLE x; --",
    ];
    for (const sample of samples) {
      const [row] = await sql.query<{ v: string }>(`SELECT ${sqlString(sample)} AS v`);
      assert.equal(row?.v, sample);
    }
  });

  test('ClickHouse maintains the aggregate tables; duplicates and a full redelivery do not inflate them', async () => {
    const site = `ch-agg-${randomUUID().slice(0, 8)}`;
    const stream = warehouseStream(site, { seed: 42, count: 3000, users: 90 });
    let duplicates = 0;
    for (const batch of stream.batches) duplicates += (await warehouse.writeEvents(batch)).duplicates;
    assert.equal(duplicates, stream.duplicates);
    const minutes = expectedBuckets(stream.unique, MINUTE);
    const hours = expectedBuckets(stream.unique, HOUR);
    assert.ok(minutes.length > 100 && hours.length >= 5 * 8 - 8, 'many buckets');
    assert.deepEqual(await aggregateTable('minute', site), minutes, 'page_aggregates_minute');
    assert.deepEqual(await aggregateTable('hour', site), hours, 'page_aggregates_hour');

    // Everything delivered again (a replay from the earliest offset): every event is a duplicate.
    for (const batch of stream.batches) assert.equal((await warehouse.writeEvents(batch)).inserted, 0);
    assert.deepEqual(await aggregateTable('minute', site), minutes, 'page_aggregates_minute after the replay');
    assert.deepEqual(await aggregateTable('hour', site), hours, 'page_aggregates_hour after the replay');
  });

  test('a batch of 5,000 events (an id list past the default max_query_size) is stored once', async () => {
    const site = `ch-big-${randomUUID().slice(0, 8)}`;
    const events = Array.from({ length: 5000 }, (_, i) =>
      realtimeEvent(i % 2 === 0 ? 'page_view' : 'click', {
        site,
        user: `u${i % 300}`,
        at: WAREHOUSE_BASE + i * 1000,
        path: `/p${i % 7}`,
        id: `${site}-${String(i).padStart(5, '0')}-${'x'.repeat(40)}`,
      }),
    );
    assert.deepEqual(await warehouse.writeEvents(events), { inserted: 5000, duplicates: 0 });
    assert.deepEqual(await warehouse.writeEvents(events), { inserted: 0, duplicates: 5000 });
    const range = { from: WAREHOUSE_BASE, to: WAREHOUSE_BASE + 2 * HOUR, site };
    assert.deepEqual(await warehouse.pageAggregates(range), expectedPageAggregates(events, range));
  });

  test('odd data never makes a batch fail (a failing batch would stop its partition)', async () => {
    const site = `ch-odd-${randomUUID().slice(0, 8)}`;
    const user = 'u\ud800x'; // a lone surrogate: ClickHouse refuses it in JSON input
    const at = WAREHOUSE_BASE + 5 * MINUTE;
    const view = realtimeEvent('page_view', { site, user, at, path: '/s\udc00', title: 'cut \ud83d', duration: 3 });
    const ancient = realtimeEvent('click', { site, user: 'old', at: Date.parse('1969-12-31T23:59:59.000Z') });
    assert.deepEqual(await warehouse.writeEvents([view, ancient]), { inserted: 2, duplicates: 0 });
    const exported: EnrichedEvent[] = [];
    for await (const page of warehouse.exportEvents({ from: at, to: at + 1, site })) exported.push(...page);
    assert.deepEqual(exported, [view], 'the payload keeps the event exactly');
    assert.deepEqual(
      (await warehouse.pageAggregates({ from: at, to: at + 1, site })).map((p) => p.page),
      ['/s\ufffd'],
    );
    const old: EnrichedEvent[] = [];
    for await (const page of warehouse.exportEvents({ from: 0, to: 1000, site })) old.push(...page);
    assert.deepEqual(old, [ancient], 'a time before 1970 is stored at 1970 (DateTime starts there)');

    const cut = `${JSON.stringify({ site, user_id: 'x' })}😀`.slice(0, -1); // raw cut at 64 KiB inside a pair
    await warehouse.writeErrors([{ topic: `t-${site}`, partition: 0, offset: 7, reason: 'not JSON', raw: cut, at }]);
    const stored = (await warehouse.readErrors()).filter((e) => e.topic === `t-${site}`);
    assert.deepEqual(
      stored.map((e) => e.raw),
      [cut.toWellFormed()],
    );
    assert.equal(await warehouse.forgetUser(site, user), 1, 'the visitor with the odd id is found and forgotten');
  });

  test('forgetUser: no row of the visitor in any table, aggregates rebuilt without them, a replay stays out', async () => {
    const site = `ch-gdpr-${randomUUID().slice(0, 8)}`;
    const stream = warehouseStream(site, { seed: 99, count: 1500, users: 30 });
    for (const batch of stream.batches) await warehouse.writeEvents(batch);
    const user = `${site}-u0`; // the busiest visitor (ids are skewed to low numbers)
    const theirs = stream.unique.filter((e) => e.user_id === user);
    assert.ok(theirs.filter((e) => e.type === 'page_view').length > 20, 'a visitor with many views');
    await warehouse.writeErrors([
      {
        topic: 't',
        partition: 0,
        offset: 1,
        reason: 'bad url',
        raw: JSON.stringify({ site, user_id: user, url: 'x' }),
        at: WAREHOUSE_BASE,
      },
    ]);

    const removed = await warehouse.forgetUser(site, user);
    assert.equal(removed, theirs.length + 1, 'their events and their refused record');

    const left = await sql.query<{ n: string }>(
      [
        `SELECT count() AS n FROM ${db}.page_views_raw WHERE user_id = ${sqlString(user)}`,
        `SELECT count() AS n FROM ${db}.events_raw WHERE user_id = ${sqlString(user)}`,
        `SELECT count() AS n FROM ${db}.processing_errors WHERE user_id = ${sqlString(user)} OR position(raw, ${sqlString(user)}) > 0`,
        `SELECT count() AS n FROM ${db}.page_views_raw WHERE position(payload, ${sqlString(user)}) > 0`,
        `SELECT count() AS n FROM ${db}.events_raw WHERE position(payload, ${sqlString(user)}) > 0`,
      ].join(' UNION ALL '),
    );
    assert.deepEqual(
      left.map((r) => Number(r.n)),
      [0, 0, 0, 0, 0],
      'nothing of the visitor in the raw tables',
    );
    const remaining = stream.unique.filter((e) => e.user_id !== user);
    assert.deepEqual(await aggregateTable('minute', site), expectedBuckets(remaining, MINUTE), 'minute aggregates without the visitor');
    assert.deepEqual(await aggregateTable('hour', site), expectedBuckets(remaining, HOUR), 'hour aggregates without the visitor');

    // A replay of the topic brings their old events again: they stay out. A new visit is stored.
    assert.deepEqual(await warehouse.writeEvents(theirs), { inserted: 0, duplicates: theirs.length });
    const comeback = realtimeEvent('page_view', { site, user, at: Date.now(), path: '/back', duration: 12 });
    assert.deepEqual(await warehouse.writeEvents([comeback]), { inserted: 1, duplicates: 0 });
  });
});

describe('Kafka → ClickHouse (warehouse worker, the scripts/stack Kafka and ClickHouse)', () => {
  test(
    'a stream with 1% duplicates and 5% invalid records, a worker restart and a full replay: exact figures and errors',
    { timeout: 300_000 },
    async (t) => {
      const database = databaseName('pipeline');
      const warehouse = createClickHouseWarehouse({ url: clickhouseUrl, database });
      const bus: Bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: 'test-ch' });
      const topic = `ch-pipeline-${randomUUID().slice(0, 8)}`;
      const group = `${topic}-group`;
      const logger = createLogger('silent', 'test');
      const definition = { ...warehouseWorker(warehouse), topics: [topic], group };
      try {
        await warehouse.migrate();
        await bus.ensureTopics([
          { name: topic, partitions: 3 },
          { name: dlqOf(topic), partitions: 3 },
        ]);
        const site = `ch-kafka-${randomUUID().slice(0, 8)}`;
        const { unique } = warehouseStream(site, { seed: 2002, count: 3000, users: 100 });
        const rand = random(2002);
        const records: OutgoingRecord[] = [];
        const invalid: { index: number; reason: RegExp }[] = [];
        for (const event of unique) {
          const record = { topic, key: event.user_id, value: JSON.stringify(event) };
          records.push(record);
          if (rand() < 0.01) records.push({ ...record }); // seed 002: 1% with the same message key
          if (rand() < 0.05) {
            const kind = Math.floor(rand() * 3);
            invalid.push({ index: records.length, reason: kind === 0 ? /not JSON/ : /./ });
            const value =
              kind === 0
                ? `{"type":"page_view","site":"${site}",` // cut short
                : kind === 1
                  ? JSON.stringify({ ...event, event_id: `${event.event_id}-bad`, url: 'not a url' })
                  : JSON.stringify({ ...event, event_id: `${event.event_id}-bad`, type: 'page_vue' });
            records.push({ topic, key: event.user_id, value });
          }
        }
        const produced = await bus.produce(records);
        t.diagnostic(
          `${records.length} records: ${unique.length} events, ${records.length - unique.length - invalid.length} duplicates, ${invalid.length} invalid`,
        );

        // First worker: stopped part-way (its last batch finishes, the rest goes to the next member).
        const first = await startWorker(definition, { bus, logger, batchSize: 100, pollWaitMs: 100 });
        await waitFor(async () => (first.status().records.ok >= 1000 ? true : undefined), 'worker 1 under way', 60_000);
        await first.stop();
        const second = await startWorker(definition, { bus, logger, batchSize: 100, pollWaitMs: 100 });
        const caughtUp = async () => {
          const lag = await bus.groupLag(group, [topic]);
          return lag.length === 3 && lag.every((p) => p.lag === 0) ? true : undefined;
        };
        await waitFor(caughtUp, 'worker 2 caught up', 120_000);
        await second.stop();

        const whole = { from: WAREHOUSE_BASE, to: WAREHOUSE_BASE + WAREHOUSE_SPAN, site };
        const check = async (what: string) => {
          const counts = await warehouse.counts();
          assert.equal(counts['events'], unique.length, `${what}: one row per distinct event`);
          assert.deepEqual(await warehouse.pageAggregates(whole), expectedPageAggregates(unique, whole), `${what}: page figures`);
          const errors = await warehouse.readErrors();
          const key = (partition: number, offset: number) => `${partition}:${offset}`;
          const expected = invalid.map(({ index }) => {
            const at = produced[index];
            assert.ok(at !== undefined);
            return key(at.partition, at.offset);
          });
          assert.deepEqual(errors.map((e) => key(e.partition, e.offset)).sort(), expected.sort(), `${what}: every invalid record once`);
          for (const error of errors) {
            const { reason } =
              invalid.find(({ index }) => produced[index]?.partition === error.partition && produced[index]?.offset === error.offset) ?? {};
            assert.ok(reason !== undefined && reason.test(error.reason) && error.reason.length > 0, `reason recorded: ${error.reason}`);
            assert.equal(error.topic, topic);
          }
        };
        await check('after the restart');

        // The group forgets its offsets: the whole topic is delivered again and changes nothing.
        await bus.deleteGroup(group);
        const third = await startWorker(definition, { bus, logger, batchSize: 500, pollWaitMs: 100 });
        await waitFor(caughtUp, 'the replay caught up', 120_000);
        assert.ok(third.status().records.ok + third.status().records.dlq >= records.length, 'the whole topic was read again');
        await third.stop();
        await check('after a full replay');
      } finally {
        await bus.close();
        await warehouse.close();
        await dropDatabase(database);
        await deleteKafkaTopics([topic, dlqOf(topic)]);
      }
    },
  );
});

test('ClickHouse 18.16: the bots migration rebuilds the aggregates the previous version wrote without bots', async () => {
  const database = databaseName('upgrade');
  const executor = httpExecutor({ url: clickhouseUrl });
  try {
    await checkClickHouseBotUpgrade(executor, database);
  } finally {
    await executor.close();
    await dropDatabase(database);
  }
});
