import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BusRecord } from '../../../src/bus/bus.ts';
import { partitionForKey } from '../../../src/bus/partitioner.ts';
import { validateEvent } from '../../../src/contract/validate-event.ts';
import { expectedAggregates, expectedTopPages, expectedTotals } from '../../helpers/generator-expected.ts';
import { generatorPages } from '../../../src/generator/pages.ts';
import { invalidKinds, partitionFor, planEvents, type PlannedEvent } from '../../../src/generator/plan.ts';
import { kafkaRecord, wireEvent } from '../../../src/generator/targets.ts';
import { decodeEvent } from '../../../src/workers/decode-event.ts';

const SEED = 20250601;
const share = (part: number, whole: number) => (part / whole) * 100;
/** Asserts a percentage within ±tolerance percentage points. */
const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual.toFixed(2)}% is not within ${expected}% ± ${tolerance} pp`);

const asBusRecord = (entry: PlannedEvent, partitions = 3): BusRecord => {
  const record = kafkaRecord(entry, { topic: 'page-views', partitions, now: new Date('2025-06-01T12:00:00Z'), run: 'test' });
  return {
    topic: record.topic,
    partition: record.partition ?? partitionForKey(record.key ?? '', partitions),
    offset: entry.seq,
    key: record.key ?? null,
    value: Buffer.from(record.value ?? ''),
    headers: record.headers ?? {},
    timestamp: 0,
  };
};

describe('the event plan', () => {
  const plan = planEvents(SEED, 10_000);

  test('is reproducible: the same seed gives the same events, ids and mix; another seed does not', () => {
    assert.deepEqual(planEvents(SEED, 10_000), plan);
    assert.deepEqual(planEvents(SEED, 50), plan.slice(0, 50), 'a shorter run is a prefix of a longer one');
    const other = planEvents(SEED + 1, 50);
    assert.notDeepEqual(
      other.map((e) => [e.kind, e.pageId, e.event.user_id]),
      plan.slice(0, 50).map((e) => [e.kind, e.pageId, e.event.user_id]),
    );
    assert.equal(plan[42]?.event.event_id, `g${SEED}-00000042`);
  });

  test('holds the 85/10/5 mix and 1% repeats over 10,000 events', () => {
    const firsts = plan.filter((e) => e.duplicateOf === null);
    const count = (kind: PlannedEvent['kind']) => firsts.filter((e) => e.kind === kind).length;
    near(share(count('view'), firsts.length), 85, 1.5, 'normal views');
    near(share(count('quick_exit'), firsts.length), 10, 1.5, 'quick exits');
    near(share(count('invalid'), firsts.length), 5, 1.5, 'invalid records');
    near(share(plan.length - firsts.length, plan.length), 1, 0.5, 'repeats');
    // Counted over every record sent, repeats included, the shares hold as well.
    near(share(plan.filter((e) => e.kind === 'view').length, plan.length), 85, 1.5, 'views among all records');
    for (const kind of invalidKinds)
      assert.ok(
        plan.some((e) => e.invalid === kind),
        `some records are ${kind}`,
      );
  });

  test('durations: normal views 10–600 s, quick exits under 5 s, whole seconds', () => {
    for (const entry of plan.filter((e) => e.invalid === null)) {
      const duration = entry.event.duration ?? -1;
      assert.ok(Number.isInteger(duration));
      if (entry.kind === 'view') assert.ok(duration >= 10 && duration <= 600, `view duration ${duration}`);
      else assert.ok(duration >= 0 && duration < 5, `quick exit duration ${duration}`);
    }
  });

  test('a repeat is an earlier valid event again: same key, same event_id, same partition', () => {
    const bySeq = new Map(plan.map((e) => [e.seq, e]));
    for (const repeat of plan.filter((e) => e.duplicateOf !== null)) {
      const original = bySeq.get(repeat.duplicateOf ?? -1);
      assert.ok(original !== undefined && original.seq < repeat.seq && original.duplicateOf === null && original.invalid === null);
      assert.equal(repeat.key, original.key);
      assert.equal(repeat.event.event_id, original.event.event_id);
      assert.deepEqual(repeat.event, original.event);
      assert.equal(partitionFor(repeat, 6), partitionFor(original, 6));
    }
  });

  test('pages come from the fixed set; page_id is in props and is the record key', () => {
    const ids = new Set(generatorPages.map((p) => p.id));
    for (const entry of plan) {
      assert.ok(ids.has(entry.pageId));
      assert.equal(entry.key, entry.pageId);
      assert.equal(entry.event.props?.['page_id'], entry.pageId);
      assert.equal(new URL(entry.event.url).pathname, generatorPages.find((p) => p.id === entry.pageId)?.path);
    }
  });

  test('partitioning holds 70% by key, 20% round-robin, 10% random', () => {
    const by = (p: PlannedEvent['partitioning']) => plan.filter((e) => e.partitioning === p);
    near(share(by('key').length, plan.length), 70, 1.5, 'keyed');
    near(share(by('round-robin').length, plan.length), 20, 1.5, 'round-robin');
    near(share(by('random').length, plan.length), 10, 1.5, 'random');
    // Keyed records leave the choice to murmur2 over the page id; round-robin cycles evenly; random stays in range.
    for (const entry of by('key')) assert.equal(partitionFor(entry, 6), undefined);
    const cycle = new Map<number, number>();
    for (const entry of by('round-robin').filter((e) => e.duplicateOf === null)) {
      const p = partitionFor(entry, 6) ?? -1;
      cycle.set(p, (cycle.get(p) ?? 0) + 1);
    }
    const rr = [...cycle.values()];
    assert.equal(cycle.size, 6);
    assert.ok(Math.max(...rr) - Math.min(...rr) <= 1, `round-robin spreads evenly: ${rr.join(',')}`);
    const random = by('random').map((e) => partitionFor(e, 6) ?? -1);
    assert.ok(random.every((p) => p >= 0 && p < 6));
    assert.equal(new Set(random).size, 6);
  });

  test('valid records pass the contract on both paths; invalid ones fail it as planned', () => {
    for (const entry of plan.slice(0, 2000)) {
      const wire = validateEvent(wireEvent(entry, new Date()));
      const record = decodeEvent(asBusRecord(entry));
      if (entry.invalid === null) {
        assert.ok(wire.kind === 'ok', `wire event ${entry.seq}: ${wire.kind === 'ok' ? '' : wire.reason}`);
        assert.equal(record.kind, 'ok', `Kafka record ${entry.seq}`);
      } else {
        assert.equal(wire.kind === 'ok', false, `wire event ${entry.seq} (${entry.invalid}) should be refused`);
        assert.notEqual(record.kind, 'ok', `Kafka record ${entry.seq} (${entry.invalid}) should be refused`);
      }
    }
    const notJson = plan.find((e) => e.invalid === 'not_json');
    assert.ok(notJson !== undefined);
    assert.throws(() => JSON.parse(asBusRecord(notJson).value.toString()));
  });

  test('options: site, id prefix and visitors', () => {
    const small = planEvents(1, 500, { site: 'shop', idPrefix: 'run-7', users: 3 });
    assert.ok(small.every((e) => e.event.site === 'shop' && e.event.event_id?.startsWith('run-7-')));
    assert.deepEqual(new Set(small.map((e) => e.event.user_id)), new Set(['run-7-u0', 'run-7-u1', 'run-7-u2']));
    assert.throws(() => planEvents(1, 1, { idPrefix: 'bad prefix' }), /id prefix/);
    assert.throws(() => planEvents(-1, 1), /seed/);
  });
});

describe('expected aggregates', () => {
  test('count each valid event once per page with the warehouse definitions', () => {
    const plan = planEvents(7, 3000);
    const aggregates = expectedAggregates(plan);
    const counted = plan.filter((e) => e.invalid === null && e.duplicateOf === null);
    assert.equal(
      aggregates.reduce((sum, p) => sum + p.views, 0),
      counted.length,
    );
    for (const page of aggregates) {
      const views = counted.filter((e) => new URL(e.event.url).pathname === page.page);
      const durations = views.map((e) => e.event.duration ?? 0);
      assert.equal(page.views, views.length);
      assert.equal(page.unique_users, new Set(views.map((e) => e.event.user_id)).size);
      assert.equal(page.quick_exits, durations.filter((d) => d < 5).length);
      assert.equal(page.avg_duration, durations.reduce((a, b) => a + b, 0) / durations.length);
    }
    assert.deepEqual(
      aggregates.map((p) => p.views),
      aggregates.map((p) => p.views).sort((a, b) => b - a),
      'most viewed first',
    );
    assert.deepEqual(expectedTopPages(plan), new Map(aggregates.map((p) => [p.page, p.views])));
    const totals = expectedTotals(plan);
    assert.equal(totals.records, 3000);
    assert.equal(totals.views + totals.invalid + totals.duplicates, 3000);
    assert.equal(totals.quickExits, plan.filter((e) => e.kind === 'quick_exit' && e.duplicateOf === null).length);
    // Bounces are single-page sessions: views per (user, session), whatever their durations.
    const viewsPerSession = new Map<string, number>();
    for (const { event } of counted) {
      const key = `${event.user_id} ${event.session_id}`;
      viewsPerSession.set(key, (viewsPerSession.get(key) ?? 0) + 1);
    }
    assert.equal(totals.sessions, viewsPerSession.size);
    assert.equal(totals.bounces, [...viewsPerSession.values()].filter((n) => n === 1).length);
    assert.ok(totals.bounces > 0 && totals.bounces < totals.sessions, 'some single-page sessions, not all');
  });

  test('a hand-made plan gives hand-computed figures', () => {
    const [a, b, c, d] = planEvents(3, 4);
    assert.ok(a && b && c && d);
    const page = (entry: PlannedEvent, path: string, user: string, duration: number): PlannedEvent => ({
      ...entry,
      kind: duration < 5 ? 'quick_exit' : 'view',
      invalid: null,
      duplicateOf: null,
      event: { ...entry.event, url: `https://shop.example${path}`, user_id: user, duration },
    });
    const plan = [
      page(a, '/x', 'u1', 100),
      page(b, '/x', 'u1', 2),
      page(c, '/y', 'u2', 30),
      { ...page(a, '/x', 'u1', 100), duplicateOf: a.seq },
      { ...page(d, '/y', 'u3', 1), kind: 'invalid' as const, invalid: 'negative_duration' as const },
    ];
    assert.deepEqual(expectedAggregates(plan), [
      { page: '/x', views: 2, unique_users: 1, quick_exits: 1, avg_duration: 51 },
      { page: '/y', views: 1, unique_users: 1, quick_exits: 0, avg_duration: 30 },
    ]);
  });
});
