import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { Admin } from '@platformatic/kafka';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Bus, OutgoingRecord, Subscription } from '../../src/bus/bus.ts';
import { createEmbeddedBus } from '../../src/bus/embedded/index.ts';
import { createKafkaBus } from '../../src/bus/kafka/kafka-bus.ts';
import { buildDashboard } from '../../src/dashboard/build.ts';
import { silentLogger } from '../helpers/embedded-bus.ts';
import { deleteKafkaTopics } from '../helpers/kafka-topics.ts';
import { freePort, kafkaBrokers, redisUrl, repoRoot, spawnPulse, waitFor, waitForHealth, type PulseProcess } from '../helpers/services.ts';
import { launchChromium } from './support/browser.ts';

/**
 * The dashboard's Kafka page (`#kafka…`) in headless Chromium, on both buses: `pulse start` (the
 * embedded log) and `pulse dashboard` on the test stack's Kafka, each a real process with
 * PULSE_ADMIN_TOKEN set. A 3-partition topic gets 5,000 records (embedded: through the page's own
 * produce API; Kafka: straight to the topic, in batches), partition p holding seq p, p+3, p+6, …
 * so every record's place is known, half before a whole second T and half after it.
 *
 * The page must then show: the topic with its partitions and records; each partition's leader,
 * replicas, ISR and offsets; records newest first (every partition's newest, in time order, each
 * JSON value pretty with its key and headers); "Load more" continuing without repeats; one
 * partition from an offset; up to and from T; a value filter and a header filter answered by the
 * server; a record produced while the live tail is on, within a second; a test message produced
 * from the page (admin); 300 consumer groups listed with only the rows in view drawn, scrolled and
 * searched; a consumer group with lag, whose offset reset (admins only: the page runs as the operator) is
 * refused while the group has members, and done with the token once it is stopped.
 *
 * A second topic holds 1,000,000 records (written before the page opens, half before a whole second
 * and half after it): the page browses it newest first, pages on, and seeks by time, each page's
 * answer time reported as the page itself measured it (`data-ms`). The one-second bound is
 * held by bench/kafka-page.ts ("every page < 1 s" in BENCHMARKS.md), not here: speed targets live in
 * benchmarks, and a CI run beside other disk-heavy work once read 1,108 ms for a seek. Screenshots:
 * test-results/kafka-topics.png, kafka-messages.png, kafka-big.png, kafka-group.png (Kafka), and the
 * same with `-embedded` (embedded log).
 */

/** What code inside `page.evaluate` uses (the tests' tsconfig has no DOM types). */
interface PageNode {
  textContent: string | null;
  hidden?: boolean;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageNode | null;
}
interface InPage {
  document: { querySelector(selector: string): PageNode | null; querySelectorAll(selector: string): ArrayLike<PageNode> };
  scrollTo(x: number, y: number): void;
  kafkaMarker?: string;
}

const TOKEN = `e2e-admin-${randomUUID()}`;
const RECORDS = 5000;
const HALF = 2500;
const PARTITIONS = 3;
const BIG = 1_000_000;
const BIG_HALF = 500_000;

/** The record with sequence number `seq`: partition seq % 3, offset ⌊seq / 3⌋ (the topic starts empty). */
const placeOf = (seq: number) => ({ partition: seq % PARTITIONS, offset: Math.floor(seq / PARTITIONS) });
const seqOf = (partition: number, offset: number) => offset * PARTITIONS + partition;
const valueOf = (seq: number) => ({ seq, kind: 'e2e', marker: `m-${seq}-x`, nested: { half: seq < HALF ? 'first' : 'second' } });
/** Records per partition, and the first offset of the second half in each. */
const countIn = (partition: number, below: number) =>
  Array.from({ length: below }, (_, seq) => seq).filter((s) => s % PARTITIONS === partition).length;

/**
 * Writes the 1,000,000 records of the big topic (seq s on partition s % 3, value {"big": s}), 20,000 a
 * call: the first half, then a whole second T, then the second half. Returns T (epoch ms).
 */
async function writeBig(topic: string, produce: (records: OutgoingRecord[]) => Promise<unknown>): Promise<number> {
  const write = async (from: number, to: number) => {
    for (let start = from; start < to; start += 20_000) {
      const n = Math.min(20_000, to - start);
      await produce(
        Array.from({ length: n }, (_, i) => ({
          topic,
          partition: (start + i) % PARTITIONS,
          key: `b-${start + i}`,
          value: `{"big":${start + i}}`,
        })),
      );
    }
  };
  await write(0, BIG_HALF);
  const T = Math.ceil((Date.now() + 1) / 1000) * 1000;
  await waitFor(async () => (Date.now() >= T + 2 ? true : undefined), 'the clock to pass T', 2000);
  await write(BIG_HALF, BIG);
  return T;
}

interface Shown {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  headers: string[];
  value: string;
}

interface Written {
  key: string;
  value: string;
  headers: Record<string, string>;
  partition: number;
}

interface Target {
  bus: 'embedded' | 'kafka';
  base: string;
  /** The 5,000-record topic. */
  topic: string;
  /** The 1,000,000-record topic, and the whole second between its halves. */
  big: { topic: string; T: number };
  /** Screenshot names get this after `kafka-…`. */
  suffix: string;
  /** Writes records in one go, in order, and returns where each went; without it they go through the produce API, one request each. */
  writeBatch?(records: Written[]): Promise<{ partition: number; offset: number }[]>;
  /** Makes a consumer group with lag on `topic` and returns its id; `stop` ends its members. */
  groupWithLag(): Promise<{ group: string; active: boolean; stop(): Promise<void> }>;
  /** Names for `count` groups of the test's own (deleted afterwards where the bus outlives the test). */
  groupIds(count: number): string[];
  /** A group that has members for certain (for the refusal while active), or undefined to use the lagging one. */
  activeGroup(): Promise<string | undefined>;
  close(): Promise<void>;
}

async function embeddedTarget(): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pulse-e2e-kafka-page-'));
  // The big topic is written into the data directory's log before Pulse starts on it (the embedded log has
  // no produce path for a million records over HTTP but its page API, one request each).
  const bigTopic = 'e2e-big';
  const log = await createEmbeddedBus({ dir: join(dataDir, 'bus'), logger: silentLogger });
  let bigT: number;
  try {
    await log.ensureTopics([{ name: bigTopic, partitions: PARTITIONS, replicas: 1 }]);
    bigT = await writeBig(bigTopic, (records) => log.produce(records));
  } finally {
    await log.close();
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const pulse = spawnPulse(['start'], {
    PULSE_PORT: String(port),
    PULSE_DATA_DIR: dataDir,
    PULSE_LOG_LEVEL: 'warn',
    PULSE_ADMIN_TOKEN: TOKEN,
  });
  try {
    await waitForHealth(base, pulse);
  } catch (error) {
    await pulse.stop();
    throw error;
  }
  return {
    bus: 'embedded',
    base,
    // A topic of `pulse start` that no worker reads (a dead-letter topic): the embedded log has no topic
    // creation over HTTP, and what the test writes there reaches no pipeline.
    topic: 'page-views.dlq',
    big: { topic: bigTopic, T: bigT },
    suffix: '-embedded',
    async groupWithLag() {
      // The embedded log runs inside the server: a group of the test's own is made by the reset API
      // itself (committed at the earliest offsets: it lags by the whole topic). It never had members.
      const group = `e2e-readers-${randomUUID().slice(0, 8)}`;
      await api(base, `/api/kafka/groups/${group}/reset`, {
        method: 'POST',
        body: { to: 'earliest', topics: ['page-views.dlq'] },
        token: TOKEN,
      });
      return { group, active: false, stop: async () => undefined };
    },
    groupIds: (count) => Array.from({ length: count }, (_, i) => `e2e-many-${String(i).padStart(3, '0')}`),
    // The pipeline's own group always has a member in `pulse start`.
    activeGroup: async () => 'pulse-realtime',
    async close() {
      await pulse.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function kafkaTarget(): Promise<Target> {
  const prefix = `e2e-kafka-page-${randomUUID().slice(0, 8)}-`;
  const topic = `${prefix}browse`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const bus: Bus = createKafkaBus({ brokers: kafkaBrokers.split(','), clientId: 'pulse-e2e-kafka-page' });
  const bigTopic = `${prefix}big`;
  await bus.ensureTopics([
    { name: topic, partitions: PARTITIONS, replicas: 1 },
    { name: bigTopic, partitions: PARTITIONS, replicas: 1 },
  ]);
  const groups: string[] = [];
  let pulse: PulseProcess | undefined;
  const cleanUp = async () => {
    await pulse?.stop();
    for (const group of groups) await bus.deleteGroup(group).catch(() => undefined);
    await bus.close();
    // Every topic of the run's prefix (the test's, and any a Pulse process made), so the shared broker is left as it was.
    const admin = new Admin({ clientId: 'test-cleanup-list', bootstrapBrokers: kafkaBrokers.split(',') });
    const mine = await admin
      .listTopics()
      .then((names) => names.filter((name) => name.startsWith(prefix)))
      .finally(() => admin.close());
    await deleteKafkaTopics(mine);
  };
  let bigT = 0;
  try {
    bigT = await writeBig(bigTopic, (records) => bus.produce(records));
    pulse = spawnPulse(['dashboard'], {
      PULSE_PORT: String(port),
      PULSE_KAFKA_BROKERS: kafkaBrokers,
      PULSE_REDIS_URL: redisUrl,
      PULSE_TOPIC_PREFIX: prefix,
      PULSE_LOG_LEVEL: 'warn',
      PULSE_ADMIN_TOKEN: TOKEN,
      PULSE_DATA_DIR: await mkdtemp(join(tmpdir(), 'pulse-e2e-kafka-dashboard-')),
    });
    await waitForHealth(base, pulse);
  } catch (error) {
    await cleanUp();
    throw error;
  }
  let subscription: Subscription | undefined;
  return {
    bus: 'kafka',
    base,
    topic,
    big: { topic: bigTopic, T: bigT },
    suffix: '',
    // Straight to Kafka, a batch at a time (the produce API one request a record would take half a minute
    // here; it is exercised by the live tail and the page's own test message, and on the embedded log).
    async writeBatch(records) {
      const written: { partition: number; offset: number }[] = [];
      for (let i = 0; i < records.length; i += 500) {
        const produced = await bus.produce(records.slice(i, i + 500).map((record) => ({ topic, ...record })));
        written.push(...produced.map(({ partition, offset }) => ({ partition, offset })));
      }
      return written;
    },
    async groupWithLag() {
      // A real consumer: it reads and commits part of the topic, and stays a member until stopped.
      const group = `${prefix}readers`;
      groups.push(group);
      subscription = await bus.subscribe({ group, topics: [topic], from: 'earliest' });
      let committed = 0;
      const deadline = Date.now() + 60_000;
      while (committed < 1500) {
        assert.ok(Date.now() < deadline, `the test's consumer committed only ${committed} records`);
        const records = await subscription.poll(500, 1000);
        await subscription.commit(records);
        committed += records.length;
      }
      return {
        group,
        active: true,
        stop: async () => {
          await subscription?.close();
          subscription = undefined;
        },
      };
    },
    groupIds(count) {
      const ids = Array.from({ length: count }, (_, i) => `${prefix}many-${String(i).padStart(3, '0')}`);
      groups.push(...ids);
      return ids;
    },
    activeGroup: async () => undefined,
    async close() {
      await subscription?.close().catch(() => undefined);
      await cleanUp();
    },
  };
}

async function api<T>(base: string, path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      authorization: `Bearer ${init.token ?? TOKEN}`,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  assert.ok(response.ok, `${init.method ?? 'GET'} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

const produce = (target: Target, body: { key?: string; value: string; headers?: Record<string, string>; partition?: number }) =>
  api<{ partition: number; offset: number }>(target.base, `/api/kafka/topics/${encodeURIComponent(target.topic)}/messages`, {
    method: 'POST',
    body,
    token: TOKEN,
  });

/**
 * Writes the 5,000 records, one request each, one writer per partition (so a partition's offsets
 * follow seq); the first half, then a whole second T, then the second half. Returns T (epoch ms).
 */
async function writeRecords(target: Target, t: TestContext): Promise<number> {
  const started = Date.now();
  const record = (seq: number): Written => ({
    key: `k-${seq}`,
    value: JSON.stringify(valueOf(seq)),
    headers: { source: 'e2e', half: seq < HALF ? 'first' : 'second' },
    partition: seq % PARTITIONS,
  });
  const write = async (partition: number, from: number, to: number) => {
    for (let seq = from + ((partition - (from % PARTITIONS) + PARTITIONS) % PARTITIONS); seq < to; seq += PARTITIONS) {
      assert.deepEqual(await produce(target, record(seq)), placeOf(seq), `seq ${seq}`);
    }
  };
  const writers = async (from: number, to: number) => {
    const seqs = Array.from({ length: to - from }, (_, i) => from + i);
    if (target.writeBatch === undefined) await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => write(p, from, to)));
    else assert.deepEqual(await target.writeBatch(seqs.map(record)), seqs.map(placeOf));
  };
  await writers(0, HALF);
  // T: the next whole second (the page's time picker has seconds), with the second half written 2 ms after it at
  // the earliest, so every first-half record is older than T and every second-half one newer.
  const T = Math.ceil((Date.now() + 1) / 1000) * 1000;
  await waitFor(async () => (Date.now() >= T + 2 ? true : undefined), 'the clock to pass T', 2000);
  await writers(HALF, RECORDS);
  t.diagnostic(`${RECORDS} records written in ${Date.now() - started} ms; T = ${new Date(T).toISOString()}`);
  return T;
}

function kafkaPageSuite(name: string, makeTarget: () => Promise<Target>): void {
  describe(name, { timeout: 420_000 }, () => {
    let target: Target;
    let browser: Browser | undefined;
    let context: BrowserContext | undefined;
    let page: Page;
    let T = 0;
    const pageErrors: string[] = [];
    const shot = (what: string) => join(repoRoot, 'test-results', `kafka-${what}${target.suffix}.png`);

    /** The records the message browser shows, in order. */
    const shown = (): Promise<Shown[]> =>
      page.evaluate(
        () =>
          Array.from((globalThis as unknown as InPage).document.querySelectorAll('#kafka-messages .kmsg')).map((node) => ({
            partition: Number(node.getAttribute('data-partition')),
            offset: Number(node.getAttribute('data-offset')),
            timestamp: Number(node.getAttribute('data-timestamp')),
            key: node.querySelector('[data-key]')?.textContent ?? null,
            headers: Array.from(
              (node as unknown as { querySelectorAll(s: string): ArrayLike<PageNode> }).querySelectorAll('[data-header]'),
            ).map((chip) => chip.textContent ?? ''),
            value: node.querySelector('[data-value]')?.textContent ?? '',
          })),
        undefined,
      );

    const attribute = (selector: string, name: string) =>
      page.evaluate(([s, n]) => (globalThis as unknown as InPage).document.querySelector(s)?.getAttribute(n) ?? null, [
        selector,
        name,
      ] as const);

    /** Opens a Kafka page by its hash and waits until it has read its data. */
    async function open(hash: string, crumb?: string): Promise<void> {
      await page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
      await page.waitForFunction((crumb) => {
        const doc = (globalThis as unknown as InPage).document;
        const crumbs = doc.querySelector('[data-kafka-crumbs]');
        const here =
          crumb === null ? crumbs?.textContent === '' : crumbs?.querySelector('[data-crumb]')?.getAttribute('data-crumb') === crumb;
        return here && doc.querySelector('#kafka-view')?.getAttribute('data-state') === 'ready';
      }, crumb ?? null);
    }

    /** Fills the browser's form, presses Browse and waits for the answer. */
    async function browse(form: {
      partition?: string;
      order?: 'newest' | 'oldest';
      seek?: 'none' | 'offset' | 'timestamp';
      offset?: string;
      time?: string;
      key?: string;
      header?: string;
      value?: string;
    }): Promise<Shown[]> {
      const reads = Number((await attribute('#kafka-messages', 'data-reads')) ?? 0);
      await page.selectOption('[data-browse-partition]', form.partition ?? '');
      await page.click(`[data-order="${form.order ?? 'newest'}"]`);
      await page.selectOption('[data-browse-seek]', form.seek ?? 'none');
      if (form.offset !== undefined) await page.fill('[data-browse-offset]', form.offset);
      if (form.time !== undefined) await page.fill('[data-browse-timestamp]', form.time);
      await page.fill('[data-browse-key]', form.key ?? '');
      await page.fill('[data-browse-header]', form.header ?? '');
      await page.fill('[data-browse-value]', form.value ?? '');
      await page.click('[data-browse]');
      await page.waitForFunction(
        (before) =>
          Number((globalThis as unknown as InPage).document.querySelector('#kafka-messages')?.getAttribute('data-reads') ?? 0) > before,
        reads,
      );
      assert.equal(await attribute('#kafka-messages', 'data-state'), 'ready', (await page.textContent('[data-browse-status]')) ?? '');
      return shown();
    }

    /** Each shown record is the one written at its place: key, headers, and its value indented as JSON. */
    function assertGenuine(records: Shown[]): void {
      for (const record of records) {
        const seq = seqOf(record.partition, record.offset);
        assert.equal(record.key, `k-${seq}`);
        assert.deepEqual(record.headers, ['source: e2e', `half: ${seq < HALF ? 'first' : 'second'}`]);
        assert.deepEqual(JSON.parse(record.value), valueOf(seq));
        assert.ok(record.value.includes('\n  "seq": '), 'pretty-printed');
      }
    }

    /**
     * Records of several partitions merged by time: in time order, and within each partition a run
     * of consecutive offsets going away from `from` (newest first: down from it; oldest first: up).
     */
    function assertRuns(records: Shown[], order: 'newest' | 'oldest', from: Map<number, number>): void {
      const step = order === 'newest' ? -1 : 1;
      for (let i = 1; i < records.length; i++) {
        const [a, b] = [records[i - 1] as Shown, records[i] as Shown];
        assert.ok(order === 'newest' ? a.timestamp >= b.timestamp : a.timestamp <= b.timestamp, `time order at ${i}`);
      }
      const next = new Map(from);
      for (const record of records) {
        assert.equal(record.offset, next.get(record.partition), `partition ${record.partition} continues without a gap or a repeat`);
        next.set(record.partition, record.offset + step);
      }
    }

    const ends = new Map(Array.from({ length: PARTITIONS }, (_, p) => [p, countIn(p, RECORDS)]));
    const newestFrom = new Map([...ends].map(([p, end]) => [p, end - 1]));

    before(async () => {
      await buildDashboard(); // fast when the build is current
      await mkdir(join(repoRoot, 'test-results'), { recursive: true });
      target = await makeTarget();
      browser = await launchChromium();
      // UTC: the time picker is filled with T's UTC wall time. Reduced motion: charts drawn finished for the screenshots.
      // As the operator (PULSE_ADMIN_TOKEN): the Kafka page is for admins; signing in is tested in dashboard-accounts.
      context = await browser.newContext({
        viewport: { width: 1366, height: 900 },
        reducedMotion: 'reduce',
        timezoneId: 'UTC',
        extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` },
      });
      context.setDefaultTimeout(15_000);
      page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        const url = message.location().url;
        if (message.type() !== 'error') return;
        // Refusals the test provokes on purpose, and the live view's optional APIs.
        if (/\/api\/kafka\/groups\/[^/]+\/reset|\/api\/sites|\/api\/stats\//.test(url)) return;
        pageErrors.push(`${message.text()} (${url})`);
      });
    });

    after(async () => {
      await context?.close();
      await browser?.close();
      await target?.close();
    });

    test('5,000 records written, half before T and half after', async (t) => {
      T = await writeRecords(target, t);
    });

    test('topic list: the topic with its partitions and records (screenshot)', async (t) => {
      await page.goto(`${target.base}/dashboard/#kafka`);
      await open('#kafka');
      assert.equal(await page.title(), 'Pulse · kafka');
      assert.equal(await page.getAttribute('#tab-kafka', 'aria-current'), 'page');
      const kind = await page.textContent('#kafka-kind [data-text]');
      assert.match(kind ?? '', target.bus === 'embedded' ? /^Embedded log$/ : /^Kafka · \d+ brokers?$/);
      // Brokers: each with its host and partitions led, one the controller.
      const brokers = await page.evaluate(
        () =>
          Array.from((globalThis as unknown as InPage).document.querySelectorAll('.ktable-brokers tbody tr[data-broker]')).map((row) => ({
            controller: row.getAttribute('data-controller'),
            led: Number(row.querySelector('.cell-value')?.textContent?.replace(/,/g, '')),
          })),
        undefined,
      );
      assert.ok(brokers.length >= 1 && brokers.filter((b) => b.controller === '').length === 1, JSON.stringify(brokers));
      assert.ok(brokers.every((b) => b.led >= 0));

      await page.fill('[data-topic-search]', target.topic);
      await page.waitForFunction((topic) => {
        const rows = (globalThis as unknown as InPage).document.querySelectorAll('.ktable-topics tbody tr[data-topic]');
        return rows.length === 1 && rows[0]?.getAttribute('data-topic') === topic;
      }, target.topic);
      const row = await page.evaluate(() => {
        const node = (globalThis as unknown as InPage).document.querySelector('.ktable-topics tbody tr[data-topic]');
        return {
          partitions: node?.getAttribute('data-partitions'),
          records: node?.getAttribute('data-records'),
          underReplicated: node?.getAttribute('data-under-replicated'),
          text: node?.textContent,
        };
      }, undefined);
      t.diagnostic(JSON.stringify(row));
      assert.equal(row.partitions, String(PARTITIONS));
      assert.equal(row.records, String(RECORDS));
      assert.equal(row.underReplicated, '0');
      assert.match(row.text ?? '', /5,000/);

      // The whole list, for the screenshot: as many rows as the API lists (on a fresh broker that may be this run's topics only).
      const all = (await api<{ topics: unknown[] }>(target.base, '/api/kafka/topics')).topics.length;
      await page.fill('[data-topic-search]', '');
      await page.waitForFunction(
        (count) => (globalThis as unknown as InPage).document.querySelectorAll('.ktable-topics tbody tr[data-topic]').length >= count,
        all,
      );
      await page.screenshot({ path: shot('topics'), fullPage: true });
      assert.deepEqual(pageErrors, []);
    });

    test("partition detail: each partition's leader, replicas, in-sync replicas and offsets", async () => {
      await page.fill('[data-topic-search]', target.topic);
      await page.click(`.ktable-topics a[href="#kafka/topics/${target.topic}"]`);
      await open(`#kafka/topics/${target.topic}`, target.topic);
      const partitions = await page.evaluate(
        () =>
          Array.from((globalThis as unknown as InPage).document.querySelectorAll('.ktable-partitions tbody tr[data-partition]')).map(
            (row) => ({
              partition: Number(row.getAttribute('data-partition')),
              leader: Number(row.getAttribute('data-leader')),
              start: Number(row.getAttribute('data-start')),
              end: Number(row.getAttribute('data-end')),
              underReplicated: row.getAttribute('class')?.includes('is-under-replicated') === true,
              replicas: row.querySelector('td:nth-child(3)')?.textContent,
              isr: row.querySelector('td:nth-child(4)')?.textContent,
            }),
          ),
        undefined,
      );
      assert.deepEqual(
        partitions.map((p) => [p.partition, p.start, p.end]),
        [...ends].map(([p, end]) => [p, 0, end]),
      );
      for (const p of partitions) {
        assert.ok(p.leader >= 0, 'a leader');
        assert.equal(p.underReplicated, false);
        assert.equal(p.replicas, p.isr, 'every replica in sync');
        assert.ok((p.replicas ?? '').includes(String(p.leader)), 'the leader is a replica');
      }
      assert.equal(await page.textContent('#kafka-tile-t-records [data-value]'), '5,000');
    });

    test('browse: newest first by default, every partition merged by time; "Load more" continues without repeats (screenshot)', async (t) => {
      // The topic page opens on the newest records.
      await page.waitForFunction(
        () => Number((globalThis as unknown as InPage).document.querySelector('#kafka-messages')?.getAttribute('data-reads') ?? 0) >= 1,
      );
      const first = await shown();
      t.diagnostic(`first page: ${first.length} records in ${await attribute('#kafka-messages', 'data-ms')} ms`);
      assert.equal(first.length, 50);
      assertRuns(first, 'newest', newestFrom);
      assertGenuine(first);
      assert.deepEqual(first[0] && seqOf(first[0].partition, first[0].offset) >= RECORDS - PARTITIONS, true, 'the newest record first');
      await page.screenshot({ path: shot('messages'), fullPage: true });

      await page.click('[data-load-more]');
      await page.waitForFunction(
        () => (globalThis as unknown as InPage).document.querySelector('#kafka-messages')?.getAttribute('data-pages') === '2',
      );
      const two = await shown();
      assert.equal(two.length, 100);
      assert.deepEqual(two.slice(0, 50), first, 'the first page stays as it was');
      assertRuns(two, 'newest', newestFrom); // no record twice, none skipped, older than the first page
      assertGenuine(two.slice(50));
      const ids = new Set(two.map((r) => `${r.partition}:${r.offset}`));
      assert.equal(ids.size, 100, 'no repeats');
      assert.deepEqual(pageErrors, []);
    });

    test('browse one partition from an offset, oldest first', async () => {
      const records = await browse({ partition: '2', order: 'oldest', seek: 'offset', offset: '1000' });
      assert.deepEqual(
        records.map((r) => [r.partition, r.offset]),
        Array.from({ length: 50 }, (_, i) => [2, 1000 + i]),
      );
      assertGenuine(records);
      assert.match(
        await page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash),
        /partition=2&order=oldest&offset=1000/,
      );
      // One partition, newest first: its last 50.
      const last = await browse({ partition: '1' });
      assert.deepEqual(
        last.map((r) => r.offset),
        Array.from({ length: 50 }, (_, i) => (ends.get(1) ?? 0) - 1 - i),
      );
    });

    test('browse by time: up to T newest first, from T oldest first', async () => {
      const time = new Date(T).toISOString().slice(0, 19); // UTC wall time; the page runs in UTC
      const upTo = await browse({ seek: 'timestamp', time });
      assert.equal(upTo.length, 50);
      assert.ok(
        upTo.every((r) => seqOf(r.partition, r.offset) < HALF && r.timestamp < T),
        'only records written before T',
      );
      assertRuns(upTo, 'newest', new Map([...ends].map(([p]) => [p, countIn(p, HALF) - 1])));
      const from = await browse({ order: 'oldest', seek: 'timestamp', time });
      assert.equal(from.length, 50);
      assert.ok(
        from.every((r) => seqOf(r.partition, r.offset) >= HALF && r.timestamp >= T),
        'only records written after T',
      );
      assertRuns(from, 'oldest', new Map([...ends].map(([p]) => [p, countIn(p, HALF)])));
      assertGenuine(from);
    });

    test('filters are answered by the server: a value, a header', async () => {
      const one = await browse({ value: 'M-1234-X' });
      assert.deepEqual(
        one.map((r) => [r.partition, r.offset]),
        [[placeOf(1234).partition, placeOf(1234).offset]],
      );
      assertGenuine(one);
      assert.match(
        (await page.textContent('[data-browse-status]')) ?? '',
        /^1 record · newest first · all partitions · value ∋ “M-1234-X” · \d[\d,]* records scanned/,
      );
      const firstHalf = await browse({ header: 'half=first', partition: '0' });
      assert.equal(firstHalf.length, 50);
      assert.ok(firstHalf.every((r) => seqOf(r.partition, r.offset) < HALF));
      assertRuns(firstHalf, 'newest', new Map([[0, countIn(0, HALF) - 1]]));
      // "Load more" goes on under the same filter.
      await page.click('[data-load-more]');
      await page.waitForFunction(
        () => (globalThis as unknown as InPage).document.querySelector('#kafka-messages')?.getAttribute('data-pages') === '2',
      );
      const more = await shown();
      assert.equal(more.length, 100);
      assertRuns(more, 'newest', new Map([[0, countIn(0, HALF) - 1]]));
    });

    test('live tail: a record written while it is on shows within a second', async (t) => {
      await browse({});
      await page.click('[data-live-toggle]');
      await page.waitForFunction(
        () => (globalThis as unknown as InPage).document.querySelector('#kafka-messages')?.getAttribute('data-live') === 'on',
      );
      const marker = randomUUID();
      const asked = Date.now();
      const written = await produce(target, {
        key: `live-${marker}`,
        value: JSON.stringify({ live: marker }),
        headers: { source: 'e2e-live' },
      });
      const acknowledged = Date.now();
      await page.waitForFunction(
        (key) => (globalThis as unknown as InPage).document.querySelector('#kafka-messages .kmsg.is-new [data-key]')?.textContent === key,
        `live-${marker}`,
        { timeout: 10_000 },
      );
      const seen = Date.now();
      t.diagnostic(`on the page ${seen - acknowledged} ms after the write was acknowledged (${seen - asked} ms after it was sent)`);
      assert.ok(seen - acknowledged < 1000, `shown ${seen - acknowledged} ms after the write`);
      const [record] = await shown();
      assert.deepEqual([record?.partition, record?.offset], [written.partition, written.offset]);
      assert.deepEqual(JSON.parse(record?.value ?? 'null'), { live: marker });
      await page.click('[data-live-toggle]'); // off: back to browsing
      await page.waitForFunction(
        () => (globalThis as unknown as InPage).document.querySelector('#kafka-messages')?.getAttribute('data-live') === 'off',
      );
    });

    test('produce a test message from the page (admin): the browser shows it', async () => {
      const marker = randomUUID();
      await page.selectOption('[data-produce-partition]', '1');
      await page.fill('[data-produce-key]', `page-${marker}`);
      await page.fill('[data-produce-headers]', 'source: dashboard\ntrace: 42');
      await page.fill('[data-produce-value]', JSON.stringify({ fromPage: marker }));
      await page.click('[data-produce]');
      await page.waitForSelector('dialog[data-kafka-dialog]');
      assert.match((await page.textContent('dialog .kdialog-lines')) ?? '', /on partition 1/);
      // The token typed for the reset below is not kept yet: type it here (it is then kept for the tab).
      await page.fill('dialog [data-admin-token]', TOKEN);
      await page.click('dialog [data-confirm]');
      await page.waitForFunction(
        () => (globalThis as unknown as InPage).document.querySelector('[data-produce-result]')?.getAttribute('data-offset') !== null,
      );
      const offset = Number(await attribute('[data-produce-result]', 'data-offset'));
      assert.equal(await attribute('[data-produce-result]', 'data-partition'), '1');
      await page.waitForFunction(
        ([offset]) => {
          const node = (globalThis as unknown as InPage).document.querySelector('#kafka-messages .kmsg');
          return node?.getAttribute('data-offset') === String(offset) && node.getAttribute('data-partition') === '1';
        },
        [offset] as const,
      );
      const [record] = await shown();
      assert.equal(record?.key, `page-${marker}`);
      assert.deepEqual(record?.headers, ['source: dashboard', 'trace: 42']);
      assert.deepEqual(JSON.parse(record?.value ?? 'null'), { fromPage: marker });
      await page.evaluate(() => (globalThis as unknown as { sessionStorage: { clear(): void } }).sessionStorage.clear());
    });

    test('a 1,000,000-record topic: newest first, "Load more" and by time, each page with its answer time (screenshot)', async (t) => {
      const { topic, T: bigT } = target.big;
      const bigEnds = new Map(Array.from({ length: PARTITIONS }, (_, p) => [p, Math.ceil((BIG - p) / PARTITIONS)]));
      const bigSeq = (r: Shown) => r.offset * PARTITIONS + r.partition;
      /**
       * The page's own measure of its last read (request to answer), reported. Not held to the one-second
       * bound here: on a machine busy with other tests a disk read can take longer (a CI run read 1,108 ms
       * for a seek the same run's Kafka page answered in 291); bench/kafka-page.ts holds that target.
       */
      const answered = async (what: string): Promise<number> => {
        const ms = Number(await attribute('#kafka-messages', 'data-ms'));
        t.diagnostic(`${what}: answered in ${ms} ms`);
        assert.ok(Number.isFinite(ms) && ms >= 0, `${what}: the page measured its read (${ms})`);
        return ms;
      };
      const genuine = (records: Shown[]) => {
        for (const r of records) {
          assert.equal(r.key, `b-${bigSeq(r)}`);
          assert.deepEqual(JSON.parse(r.value), { big: bigSeq(r) });
        }
      };

      await open(`#kafka/topics/${encodeURIComponent(topic)}`, topic);
      assert.equal(await page.textContent('#kafka-tile-t-records [data-value]'), '1M');
      const newest = await browse({});
      await answered('newest page');
      assert.equal(newest.length, 50);
      assertRuns(newest, 'newest', new Map([...bigEnds].map(([p, end]) => [p, end - 1])));
      assert.ok(bigSeq(newest[0] as Shown) >= BIG - PARTITIONS, 'the newest record first');
      genuine(newest);

      for (let pages = 2; pages <= 3; pages++) {
        await page.click('[data-load-more]');
        await page.waitForFunction(
          (pages) =>
            (globalThis as unknown as InPage).document.querySelector('#kafka-messages')?.getAttribute('data-pages') === String(pages),
          pages,
        );
        await answered(`page ${pages}`);
      }
      const three = await shown();
      const summary = (records: Shown[]) =>
        Array.from({ length: PARTITIONS }, (_, p) => {
          const of = records.filter((r) => r.partition === p);
          return `p${p}: ${of.length} (${of[0]?.offset}…${of.at(-1)?.offset}, ts ${of[0]?.timestamp}…${of.at(-1)?.timestamp})`;
        }).join('; ');
      t.diagnostic(
        `first page ${summary(three.slice(0, 50))}; second ${summary(three.slice(50, 100))}; third ${summary(three.slice(100))}`,
      );
      assert.equal(three.length, 150);
      assert.equal(new Set(three.map((r) => `${r.partition}:${r.offset}`)).size, 150, 'no repeats');
      assertRuns(three, 'newest', new Map([...bigEnds].map(([p, end]) => [p, end - 1])));

      const time = new Date(bigT).toISOString().slice(0, 19);
      const halfEnds = new Map(Array.from({ length: PARTITIONS }, (_, p) => [p, Math.ceil((BIG_HALF - p) / PARTITIONS)]));
      const upTo = await browse({ seek: 'timestamp', time });
      await answered('up to T, newest first');
      assert.equal(upTo.length, 50);
      assert.ok(
        upTo.every((r) => bigSeq(r) < BIG_HALF && r.timestamp < bigT),
        'only records written before T',
      );
      assertRuns(upTo, 'newest', new Map([...halfEnds].map(([p, end]) => [p, end - 1])));
      genuine(upTo);
      const from = await browse({ order: 'oldest', seek: 'timestamp', time });
      await answered('from T, oldest first');
      assert.equal(from.length, 50);
      assert.ok(
        from.every((r) => bigSeq(r) >= BIG_HALF && r.timestamp >= bigT),
        'only records written after T',
      );
      assertRuns(from, 'oldest', halfEnds);
      genuine(from);
      // One partition from an offset in its middle.
      const middle = await browse({ partition: '1', order: 'oldest', seek: 'offset', offset: '250000' });
      await answered('partition 1 from offset 250,000');
      assert.deepEqual(
        middle.map((r) => [r.partition, r.offset]),
        Array.from({ length: 50 }, (_, i) => [1, 250_000 + i]),
      );
      await page.evaluate(() => (globalThis as unknown as InPage).scrollTo(0, 0)); // the sticky header at the top of the shot
      await page.screenshot({ path: shot('big'), fullPage: true });
      assert.deepEqual(pageErrors, []);
    });

    test('hundreds of consumer groups: the list draws only the rows in view, and stays quick to scroll and search', async (t) => {
      const ids = target.groupIds(300);
      // Made through the reset API (committed at the earliest offsets: each lags by the whole topic), 20 at a time.
      for (let i = 0; i < ids.length; i += 20) {
        await Promise.all(
          ids.slice(i, i + 20).map((group) =>
            api(target.base, `/api/kafka/groups/${encodeURIComponent(group)}/reset`, {
              method: 'POST',
              body: { to: 'earliest', topics: [target.topic] },
              token: TOKEN,
            }),
          ),
        );
      }
      const shownAt = Date.now();
      await open('#kafka/groups');
      await page.fill('[data-group-search]', '');
      const rows = () =>
        page.evaluate(() => {
          const doc = (globalThis as unknown as InPage).document;
          return {
            drawn: Array.from(doc.querySelectorAll('.ktable-groups tbody tr[data-group]')).map(
              (row) => row.getAttribute('data-group') ?? '',
            ),
            count: Number(doc.querySelector('.ktable-groups')?.getAttribute('aria-rowcount') ?? 0) - 1,
          };
        });
      await waitFor(async () => ((await rows()).count >= ids.length ? true : undefined), `${ids.length} groups listed`, 20_000);
      const listed = await rows();
      t.diagnostic(`${listed.count} groups listed ${Date.now() - shownAt} ms after the view was opened; ${listed.drawn.length} rows drawn`);
      assert.ok(listed.drawn.length <= 60, `only the rows in view are drawn (${listed.drawn.length} of ${listed.count})`);

      // Scrolled to the bottom, the last rows are drawn (the list is sorted by lag, then by the server's order).
      const scrolled = Date.now();
      await page.evaluate(() => {
        const box = (globalThis as unknown as InPage).document.querySelector('.card-k-groups .ktable-scroll') as unknown as {
          scrollTop: number;
          scrollHeight: number;
        } | null;
        if (box !== null) box.scrollTop = box.scrollHeight;
      });
      await page.waitForFunction((count) => {
        const rows = (globalThis as unknown as InPage).document.querySelectorAll('.ktable-groups tbody tr[data-group]');
        return Number(rows[rows.length - 1]?.getAttribute('aria-rowindex')) === count + 1;
      }, listed.count);
      t.diagnostic(`the last rows drawn ${Date.now() - scrolled} ms after scrolling to the bottom`);
      assert.ok((await rows()).drawn.length <= 60);

      // The search is the server's: one of them, by its full id.
      const one = ids[123] ?? '';
      await page.fill('[data-group-search]', one);
      await page.waitForFunction((one) => {
        const rows = (globalThis as unknown as InPage).document.querySelectorAll('.ktable-groups tbody tr[data-group]');
        return rows.length === 1 && rows[0]?.getAttribute('data-group') === one;
      }, one);
      assert.ok(Number(await attribute('.ktable-groups tbody tr[data-group]', 'data-lag')) >= RECORDS);
      await page.fill('[data-group-search]', '');
      assert.deepEqual(pageErrors, []);
    });

    test('a consumer group with lag; offset reset refused while it has members, done once stopped (screenshot)', async (t) => {
      const { group, active, stop } = await target.groupWithLag();
      const lagNow = async () =>
        (await api<{ totalLag: number | null }>(target.base, `/api/kafka/groups/${encodeURIComponent(group)}`)).totalLag;
      const expectedLag = await lagNow();
      assert.ok(expectedLag !== null && expectedLag > 0, `lag ${expectedLag}`);

      // The groups list, searched.
      await open('#kafka/groups');
      await page.fill('[data-group-search]', group);
      await page.waitForFunction((group) => {
        const rows = (globalThis as unknown as InPage).document.querySelectorAll('.ktable-groups tbody tr[data-group]');
        return rows.length === 1 && rows[0]?.getAttribute('data-group') === group;
      }, group);
      const listed = await page.evaluate(() => {
        const row = (globalThis as unknown as InPage).document.querySelector('.ktable-groups tbody tr[data-group]');
        return {
          lag: Number(row?.getAttribute('data-lag')),
          members: Number(row?.getAttribute('data-members')),
          state: row?.getAttribute('data-state'),
        };
      }, undefined);
      t.diagnostic(JSON.stringify({ group, ...listed }));
      assert.ok(listed.lag > 0);
      assert.equal(listed.members, active ? 1 : 0);

      // Its page: lag per partition, summing to the total, and the lag over time.
      await page.click('.ktable-groups tbody tr[data-group] td:first-child a');
      await open(`#kafka/groups/${encodeURIComponent(group)}`, group);
      const lagRows = await page.evaluate(
        () =>
          Array.from((globalThis as unknown as InPage).document.querySelectorAll('.ktable-lag tbody tr[data-partition]')).map((row) => ({
            topic: row.getAttribute('data-topic'),
            partition: Number(row.getAttribute('data-partition')),
            lag: Number(row.getAttribute('data-lag')),
          })),
        undefined,
      );
      assert.deepEqual(
        lagRows.map((r) => `${r.topic}:${r.partition}`).sort(),
        [0, 1, 2].map((p) => `${target.topic}:${p}`),
      );
      const shownTotal = lagRows.reduce((sum, r) => sum + r.lag, 0);
      assert.ok(shownTotal > 0);
      assert.equal((await page.textContent('#kafka-tile-g-lag [data-value]'))?.replace(/,/g, ''), String(shownTotal));
      // Total lag over time: the server samples a group while it is looked at (every 10 s); two samples make a line.
      const lagPoints = async () =>
        (
          JSON.parse((await attribute('#kafka-lag-chart', 'data-chart')) ?? 'null') as {
            datasets: { data: { x: number; y: number | null }[] }[];
          } | null
        )?.datasets[0]?.data ?? [];
      await waitFor(async () => ((await lagPoints()).length >= 2 ? true : undefined), 'two lag samples on the chart', 30_000);
      assert.ok(
        (await lagPoints()).every((point) => (point.y ?? 0) > 0),
        'lagging all along',
      );

      const reset = async (to: 'earliest' | 'latest', token: string | null, of = group): Promise<string> => {
        await page.click(`[data-reset-to="${to}"]`);
        await page.click('[data-reset]');
        await page.waitForSelector('dialog[data-kafka-dialog]');
        const lines = (await page.textContent('dialog .kdialog-lines')) ?? '';
        assert.ok(lines.includes(`committed offsets of group “${of}”`), lines);
        if (to === 'latest') assert.match(lines, /skipped and never processed/);
        await page.fill('dialog [data-admin-token]', token ?? '');
        const before = await page.textContent('[data-reset-result]');
        await page.click('dialog [data-confirm]');
        await page.waitForFunction((before) => {
          const node = (globalThis as unknown as InPage).document.querySelector('[data-reset-result]');
          return node?.getAttribute('data-level') !== 'busy' && node?.textContent !== before;
        }, before);
        return (await page.textContent('[data-reset-result]')) ?? '';
      };

      // A group with members: refused (409) even with the token.
      const busy = (await target.activeGroup()) ?? group;
      if (busy !== group) await open(`#kafka/groups/${encodeURIComponent(busy)}`, busy);
      const conflict = await reset('latest', TOKEN, busy);
      t.diagnostic(conflict);
      assert.match(conflict, /^Refused \(409, conflict\): /);
      if (busy !== group) await open(`#kafka/groups/${encodeURIComponent(group)}`, group);

      // Stopped, with the token: done, and the lag falls to zero.
      await stop();
      await waitFor(
        async () =>
          (await api<{ members: unknown[] }>(target.base, `/api/kafka/groups/${encodeURIComponent(group)}`)).members.length === 0
            ? true
            : undefined,
        'the group to have no member',
        30_000,
      );
      const done = await reset('latest', TOKEN);
      t.diagnostic(done);
      assert.match(done, /^Done: 3 partitions reset to latest\.$/);
      const offsets = await page.evaluate(
        () =>
          Array.from((globalThis as unknown as InPage).document.querySelectorAll('.ktable-offsets tbody tr[data-partition]')).map((row) => [
            Number(row.getAttribute('data-partition')),
            Number(row.getAttribute('data-offset')),
          ]),
        undefined,
      );
      const endsNow = (
        await api<{ partitions: { partition: number; endOffset: number }[] }>(
          target.base,
          `/api/kafka/topics/${encodeURIComponent(target.topic)}`,
        )
      ).partitions;
      assert.deepEqual(
        offsets.sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0)),
        endsNow.map((p) => [p.partition, p.endOffset]),
      );
      await page.waitForFunction(
        () => (globalThis as unknown as InPage).document.querySelector('#kafka-tile-g-lag [data-value]')?.textContent === '0',
        undefined,
        {
          timeout: 15_000,
        },
      );
      assert.equal(await lagNow(), 0);
      // The chart falls to zero at its end.
      await waitFor(async () => ((await lagPoints()).at(-1)?.y === 0 ? true : undefined), 'the lag chart to end at zero', 15_000);
      const points = await lagPoints();
      t.diagnostic(`lag over time: ${JSON.stringify(points.map((point) => point.y))}`);
      assert.ok(points.some((point) => (point.y ?? 0) > 0));
      await page.evaluate(() => (globalThis as unknown as InPage).scrollTo(0, 0));
      await page.screenshot({ path: shot('group'), fullPage: true });
      assert.deepEqual(pageErrors, []);
    });
  });
}

kafkaPageSuite('dashboard Kafka page in Chromium → pulse start (embedded log)', embeddedTarget);
kafkaPageSuite('dashboard Kafka page in Chromium → pulse dashboard on Kafka', kafkaTarget);
