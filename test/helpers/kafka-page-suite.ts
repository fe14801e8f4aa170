import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Producer, ProduceAcks } from '@platformatic/kafka';
import type { FastifyInstance } from 'fastify';
import type { Bus, ClusterAdmin } from '../../src/bus/bus.ts';
import { createHttpApp } from '../../src/http/http-app.ts';
import { memoryAccounts, userWithToken, withTestAccess, type TestAccounts } from './accounts.ts';
import type { MessageView } from '../../src/query/kafka-messages.ts';
import { registerKafkaRoutes } from '../../src/query/kafka-routes.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { sseReader } from './sse-reader.ts';

/**
 * The Kafka page's API, one behaviour suite run on every bus (test/integration/kafka-page-*.test.ts):
 * the same requests, the same answers, on Apache Kafka and on the embedded log.
 */

export interface KafkaPageTarget {
  kind: 'kafka' | 'embedded';
  bus: Bus;
  admin: ClusterAdmin;
  /** Fills a topic with `count` small records quickly (big batches); values are `{"i":<n>}`. */
  fill(topic: string, count: number): Promise<void>;
  /** Removes what the suite made (topics and groups on Kafka) and closes the clients. */
  close(topics: readonly string[], groups: readonly string[]): Promise<void>;
}

export interface KafkaPageSuiteOptions {
  /** Records of the big topic browsed at the end (1,000,000 in the integration tests). */
  bigRecords: number;
}

/** Small values, big batches: the fastest way the Kafka client offers to fill a topic (acks=all). */
export async function fillKafkaTopic(brokers: string[], topic: string, count: number): Promise<void> {
  const producer = new Producer({ clientId: 'kafka-page-fill', bootstrapBrokers: brokers, acks: ProduceAcks.ALL, idempotent: true });
  try {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < count) {
        const start = next;
        next = Math.min(count, next + 10_000);
        await producer.send({
          messages: Array.from({ length: next - start }, (_, i) => ({ topic, partition: 0, value: Buffer.from(`{"i":${start + i}}`) })),
        });
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
  } finally {
    await producer.close();
  }
}

/** Same on any bus through the port, in 50,000-record calls. */
export async function fillThroughBus(bus: Bus, topic: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 50_000) {
    const n = Math.min(50_000, count - start);
    await bus.produce(Array.from({ length: n }, (_, i) => ({ topic, partition: 0, value: `{"i":${start + i}}` })));
  }
}

interface Answer<T> {
  status: number;
  body: T;
}

interface MessagesPage {
  messages: MessageView[];
  nextCursor: string | null;
  scanned: number;
}

const TOKEN = 'kafka-page-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const BATCHES = 4;
const PER_BATCH = 30;
const id = (m: { partition: number; offset: number }) => `${m.partition}/${m.offset}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** What `promise` gives, or undefined once `ms` have passed (the timer does not outlive the race). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export function defineKafkaPageSuite(name: string, open: () => Promise<KafkaPageTarget>, options: KafkaPageSuiteOptions): void {
  describe(name, { timeout: 600_000 }, () => {
    const prefix = `kp${randomUUID().slice(0, 8)}`;
    const orders = `${prefix}-orders`;
    const audit = `${prefix}-audit`;
    const hidden = `__${prefix}-hidden`;
    const scratch = `${prefix}-scratch`;
    const big = `${prefix}-big`;
    const topics = [orders, audit, hidden, scratch, big];
    const activeGroup = `${prefix}-active`;
    const idleGroup = `${prefix}-idle`;
    const groups = [activeGroup, idleGroup, `${prefix}-never`];
    let target: KafkaPageTarget;
    let guarded: FastifyInstance;
    let accounts: TestAccounts;
    /** A viewer's credentials: the Kafka page is for admins. */
    let viewer: Record<string, string> = {};
    let base = '';
    /** Every record of `orders`, oldest first per partition, as the API shows them. */
    let all: MessageView[] = [];
    /** First timestamp of each produce batch (they are ≥ 40 ms apart). */
    const batchStarts: number[] = [];

    const call = async <T>(path: string, init: RequestInit & { on?: string } = {}): Promise<Answer<T>> => {
      const response = await fetch(`${init.on ?? base}${path}`, { ...init, headers: init.headers ?? auth });
      const text = await response.text();
      return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
    };
    const post = <T>(path: string, body: unknown, headers: Record<string, string> = auth, on = base) =>
      call<T>(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), on });
    const page = async (topic: string, query: string): Promise<MessagesPage> => {
      const answer = await call<MessagesPage>(`/api/kafka/topics/${topic}/messages?${query}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body;
    };
    /** Every page of a browse, following nextCursor, checking that no record comes twice. */
    const everyPage = async (topic: string, query: string): Promise<MessageView[]> => {
      const out: MessageView[] = [];
      const seen = new Set<string>();
      let cursor: string | null = null;
      for (let pages = 0; pages < 1000; pages++) {
        const answer: MessagesPage = await page(topic, cursor === null ? query : `${query}&cursor=${encodeURIComponent(cursor)}`);
        for (const message of answer.messages) {
          assert.ok(!seen.has(id(message)), `${id(message)} came twice`);
          seen.add(id(message));
          out.push(message);
        }
        cursor = answer.nextCursor;
        if (cursor === null) return out;
      }
      throw new Error('more than 1000 pages');
    };
    const ts = (m: MessageView) => Date.parse(m.timestamp);

    before(async () => {
      target = await open();
      await target.bus.ensureTopics([
        { name: orders, partitions: 3 },
        { name: audit, partitions: 1, config: { 'retention.ms': '3600000' } },
        { name: hidden, partitions: 1 },
        { name: scratch, partitions: 2 },
        { name: big, partitions: 1 },
      ]);
      for (let batch = 0; batch < BATCHES; batch++) {
        if (batch > 0) await sleep(40);
        await target.bus.produce(
          Array.from({ length: PER_BATCH }, (_, j) => {
            const n = batch * PER_BATCH + j;
            return {
              topic: orders,
              key: `user-${n % 10}`,
              headers: { kind: n % 15 === 0 ? 'special' : 'plain', seq: String(n) },
              value: JSON.stringify({ seq: n, note: n % 40 === 7 ? 'a NEEDLE in hay' : 'hay' }),
            };
          }),
        );
      }
      await target.bus.produce([
        { topic: orders, key: 'gone', value: null, partition: 0 },
        { topic: orders, key: 'text', value: 'not json at all', partition: 1 },
        { topic: audit, value: 'audited' },
      ]);
      const logger = createLogger('silent', 'kafka-page-test');
      guarded = createHttpApp({ logger });
      accounts = await memoryAccounts({ sites: ['demo'], operatorToken: TOKEN });
      await withTestAccess(guarded, accounts.accounts, TOKEN);
      viewer = (await userWithToken(accounts.accounts, { username: 'vic', role: 'viewer', sites: ['demo'] })).headers;
      registerKafkaRoutes(guarded, { bus: target.bus, admin: target.admin });
      base = await guarded.listen({ host: '127.0.0.1', port: 0 });
      all = (await everyPage(orders, 'order=oldest&limit=500')).sort((a, b) => a.partition - b.partition || a.offset - b.offset);
      for (let batch = 0; batch < BATCHES; batch++) {
        const first = all.find((m) => (m.value as { seq?: number } | null)?.seq === batch * PER_BATCH);
        assert.ok(first !== undefined);
        batchStarts.push(
          Math.min(
            ...all
              .filter((m) => {
                const seq = (m.value as { seq?: number } | null)?.seq;
                return seq !== undefined && Math.floor(seq / PER_BATCH) === batch;
              })
              .map(ts),
          ),
        );
      }
    });

    after(async () => {
      await Promise.allSettled([guarded?.close()]);
      await accounts?.close();
      await target?.close(topics, groups);
    });

    test('overview: the brokers, which one is the controller, the partitions each leads', async () => {
      const { status, body } = await call<{
        kind: string;
        controllerId: number | null;
        brokers: Array<{ id: number; host: string; port: number; controller: boolean; partitionsLed: number }>;
      }>('/api/kafka/overview');
      assert.equal(status, 200);
      assert.equal(body.kind, target.kind);
      assert.ok(body.brokers.length >= 1);
      const controller = body.brokers.filter((b) => b.controller);
      assert.equal(controller.length, 1);
      assert.equal(controller[0]?.id, body.controllerId);
      for (const broker of body.brokers) assert.ok(broker.host !== '' && Number.isInteger(broker.port));
      // Every partition of the suite's topics is led by some broker.
      assert.ok(body.brokers.reduce((sum, b) => sum + b.partitionsLed, 0) >= 3 + 1 + 1 + 2 + 1);
      if (target.kind === 'embedded') {
        assert.equal(body.brokers.length, 1);
        assert.equal(body.controllerId, 0);
      }
    });

    test('topics: counts, replication, size and retention; case-insensitive search; internal topics only on request', async () => {
      type Row = {
        name: string;
        partitions: number;
        replicationFactor: number;
        inSyncReplicas: number;
        underReplicated: number;
        records: number;
        sizeBytes: number | null;
        retentionMs: string | null;
        cleanupPolicy: string;
      };
      const listed = await call<{ topics: Row[] }>(`/api/kafka/topics?search=${prefix.toUpperCase()}`);
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.topics.map((t) => t.name).sort(), [audit, big, orders, scratch].sort());
      const row = listed.body.topics.find((t) => t.name === orders);
      assert.ok(row !== undefined);
      assert.equal(row.partitions, 3);
      assert.equal(row.replicationFactor, 1);
      assert.equal(row.inSyncReplicas, 3);
      assert.equal(row.underReplicated, 0);
      assert.equal(row.records, BATCHES * PER_BATCH + 2);
      assert.ok(row.sizeBytes !== null && row.sizeBytes > 0, `size ${row.sizeBytes}`);
      assert.equal(row.cleanupPolicy, 'delete');
      assert.equal(listed.body.topics.find((t) => t.name === audit)?.retentionMs, '3600000');
      assert.deepEqual(
        (await call<{ topics: Row[] }>(`/api/kafka/topics?search=${prefix}-ORD`)).body.topics.map((t) => t.name),
        [orders],
      );
      const withInternal = await call<{ topics: Row[] }>(`/api/kafka/topics?search=${prefix}&internal=true`);
      assert.ok(withInternal.body.topics.some((t) => t.name === hidden));
      if (target.kind === 'kafka') {
        const everything = await call<{ topics: Row[] }>('/api/kafka/topics');
        assert.ok(!everything.body.topics.some((t) => t.name.startsWith('__')), 'internal topics hidden by default');
      }
    });

    test("topic detail: each partition's leader, replicas, ISR and offsets, and the configuration", async () => {
      const { status, body } = await call<{
        name: string;
        config: Record<string, string>;
        partitions: Array<{ partition: number; leader: number; replicas: number[]; isr: number[]; startOffset: number; endOffset: number }>;
      }>(`/api/kafka/topics/${audit}`);
      assert.equal(status, 200);
      assert.equal(body.name, audit);
      assert.equal(body.config['retention.ms'], '3600000');
      assert.equal(body.config['cleanup.policy'], 'delete');
      assert.equal(body.partitions.length, 1);
      const [p] = body.partitions;
      assert.ok(p !== undefined && p.leader >= 0);
      assert.deepEqual(p.replicas, [p.leader]);
      assert.deepEqual(p.isr, [p.leader]);
      assert.deepEqual([p.startOffset, p.endOffset], [0, 1]);
      const detail = await call<{ partitions: Array<{ endOffset: number; startOffset: number }> }>(`/api/kafka/topics/${orders}`);
      assert.equal(
        detail.body.partitions.reduce((sum, q) => sum + q.endOffset - q.startOffset, 0),
        all.length,
      );
      const missing = await call<{ error: string }>(`/api/kafka/topics/${prefix}-missing`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error, 'unknown_topic');
    });

    test('messages: newest first by default, all partitions merged by time, every record exactly once over the pages', async () => {
      const first = await page(orders, '');
      assert.equal(first.messages.length, 50);
      assert.ok(first.nextCursor !== null);
      const pages = await everyPage(orders, 'limit=7');
      assert.equal(pages.length, all.length, 'no record missing');
      assert.deepEqual(new Set(pages.map(id)), new Set(all.map(id)));
      for (let i = 1; i < pages.length; i++) assert.ok(ts(pages[i - 1] as MessageView) >= ts(pages[i] as MessageView), 'newest first');
      assert.deepEqual(first.messages.map(id), pages.slice(0, 50).map(id), 'the default page is the newest 50');
    });

    test('messages: oldest first, and one partition alone', async () => {
      const oldest = await everyPage(orders, 'order=oldest&limit=11');
      assert.equal(oldest.length, all.length);
      for (let i = 1; i < oldest.length; i++) assert.ok(ts(oldest[i - 1] as MessageView) <= ts(oldest[i] as MessageView), 'oldest first');
      const one = await everyPage(orders, 'partition=1&limit=5');
      const expected = all.filter((m) => m.partition === 1).map(id);
      assert.deepEqual(one.map(id), [...expected].reverse(), 'one partition, newest (highest offset) first');
    });

    test('messages: seek by offset in a partition, in both orders', async () => {
      const inTwo = all.filter((m) => m.partition === 2);
      const middle = inTwo[Math.floor(inTwo.length / 2)];
      assert.ok(middle !== undefined);
      const down = await page(orders, `partition=2&offset=${middle.offset}&limit=3`);
      assert.deepEqual(
        down.messages.map((m) => m.offset),
        [middle.offset, middle.offset - 1, middle.offset - 2],
      );
      const up = await page(orders, `partition=2&offset=${middle.offset}&order=oldest&limit=3`);
      assert.deepEqual(
        up.messages.map((m) => m.offset),
        [middle.offset, middle.offset + 1, middle.offset + 2],
      );
      const refused = await call<{ error: string }>(`/api/kafka/topics/${orders}/messages?offset=3`);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error, 'offset_needs_partition');
    });

    test('messages: seek by timestamp (newest-first: up to it; oldest-first: from it on)', async () => {
      const boundary = batchStarts[2];
      assert.ok(boundary !== undefined);
      const before = await everyPage(orders, `timestamp=${encodeURIComponent(new Date(boundary - 1).toISOString())}&limit=20`);
      assert.deepEqual(new Set(before.map(id)), new Set(all.filter((m) => ts(m) <= boundary - 1).map(id)));
      const from = await everyPage(orders, `timestamp=${boundary}&order=oldest&limit=20`);
      assert.deepEqual(new Set(from.map(id)), new Set(all.filter((m) => ts(m) >= boundary).map(id)));
      assert.ok(from[0] !== undefined && ts(from[0]) >= boundary);
      const bad = await call<{ error: string }>(`/api/kafka/topics/${orders}/messages?timestamp=yesterday`);
      assert.equal(bad.status, 400);
    });

    test('messages: key, header and value filters run on the server; paged, they still show every match once', async () => {
      const text = (m: MessageView) => (typeof m.value === 'string' ? m.value : JSON.stringify(m.value));
      const cases: Array<[string, (m: MessageView) => boolean]> = [
        ['key=USER-7', (m) => m.key === 'user-7'],
        ['header=kind%3Dspecial', (m) => m.headers['kind'] === 'special'],
        ['header=SEQ', (m) => 'seq' in m.headers],
        ['value=needle', (m) => m.value !== null && text(m).toLowerCase().includes('needle')],
        ['key=user-7&header=kind%3Dplain', (m) => m.key === 'user-7' && m.headers['kind'] === 'plain'],
      ];
      for (const [query, wanted] of cases) {
        const expected = all.filter(wanted);
        assert.ok(expected.length > 0, query);
        const found = await everyPage(orders, `${query}&limit=2`);
        assert.deepEqual(found.map(id).sort(), expected.map(id).sort(), query);
      }
      const none = await page(orders, 'value=no-such-thing');
      assert.deepEqual(none.messages, []);
      assert.equal(none.scanned, all.length);
      assert.equal(none.nextCursor, null);
    });

    test('messages: JSON values parsed, other text kept, tombstones null; key, headers and size shown', async () => {
      const tombstone = all.find((m) => m.key === 'gone');
      assert.ok(tombstone !== undefined);
      assert.equal(tombstone.value, null);
      assert.equal(all.find((m) => m.key === 'text')?.value, 'not json at all');
      const json = all.find((m) => (m.value as { seq?: number } | null)?.seq === 15);
      assert.ok(json !== undefined);
      assert.deepEqual(json.value, { seq: 15, note: 'hay' });
      assert.equal(json.key, 'user-5');
      assert.deepEqual(json.headers, { kind: 'special', seq: '15' });
      assert.equal(json.size, Buffer.byteLength('user-5') + Buffer.byteLength(JSON.stringify(json.value)) + 'kindspecialseq15'.length);
      assert.ok(!Number.isNaN(Date.parse(json.timestamp)));
    });

    test('messages: a cursor from elsewhere, an unknown partition or topic are refused', async () => {
      assert.equal((await call(`/api/kafka/topics/${orders}/messages?cursor=nonsense`)).status, 400);
      const fromAudit = (await page(audit, 'limit=1')).nextCursor;
      const other = await page(orders, 'limit=1');
      assert.equal(fromAudit, null);
      assert.ok(other.nextCursor !== null);
      assert.equal((await call(`/api/kafka/topics/${audit}/messages?cursor=${encodeURIComponent(other.nextCursor)}`)).status, 400);
      assert.equal((await call(`/api/kafka/topics/${orders}/messages?partition=9`)).status, 400);
      assert.equal((await call(`/api/kafka/topics/${prefix}-missing/messages`)).status, 404);
      assert.equal((await call(`/api/kafka/topics/${orders}/messages?limit=501`)).status, 400);
    });

    test('groups: state, members, lag per partition and over time; offset reset refused while the group is active', async () => {
      const subscription = await target.bus.subscribe({ group: activeGroup, topics: [orders], from: 'earliest' });
      try {
        const taken = [];
        const deadline = Date.now() + 30_000;
        while (taken.length < 40 && Date.now() < deadline) taken.push(...(await subscription.poll(40 - taken.length, 500)));
        assert.ok(taken.length >= 40);
        await subscription.commit(taken);
        await target.admin.resetGroupOffsets(idleGroup, { to: 'earliest' }, [orders]);

        type Row = { group: string; state: string; members: number; topics: string[]; totalLag: number | null };
        const listed = await call<{ groups: Row[]; nextCursor: string | null }>(`/api/kafka/groups?search=${prefix.toUpperCase()}`);
        assert.equal(listed.status, 200);
        assert.deepEqual(
          listed.body.groups.map((g) => g.group),
          [activeGroup, idleGroup],
        );
        const [active, idle] = listed.body.groups;
        assert.equal(active?.state, 'Stable');
        assert.equal(active?.members, 1);
        assert.deepEqual(active?.topics, [orders]);
        assert.equal(active?.totalLag, all.length - taken.length);
        assert.equal(idle?.state, 'Empty');
        assert.equal(idle?.members, 0);
        assert.equal(idle?.totalLag, all.length);

        // Paged one at a time: both, once each.
        const first = await call<{ groups: Row[]; nextCursor: string | null }>(`/api/kafka/groups?search=${prefix}&limit=1`);
        assert.deepEqual(
          first.body.groups.map((g) => g.group),
          [activeGroup],
        );
        assert.ok(first.body.nextCursor !== null);
        const second = await call<{ groups: Row[]; nextCursor: string | null }>(
          `/api/kafka/groups?search=${prefix}&limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`,
        );
        assert.deepEqual(
          second.body.groups.map((g) => g.group),
          [idleGroup],
        );
        assert.equal(second.body.nextCursor, null);

        const detail = await call<{
          state: string;
          members: Array<{ id: string; clientId: string; host: string; assignments: Array<{ topic: string; partitions: number[] }> }>;
          lag: Array<{ topic: string; partition: number; committed: number | null; endOffset: number; lag: number }>;
          totalLag: number;
          history: Array<{ ts: string; totalLag: number }>;
        }>(`/api/kafka/groups/${activeGroup}`);
        assert.equal(detail.status, 200);
        assert.equal(detail.body.state, 'Stable');
        assert.equal(detail.body.members.length, 1);
        const [member] = detail.body.members;
        assert.ok(member !== undefined && member.id !== '' && member.clientId !== '' && member.host !== '');
        assert.deepEqual(member.assignments, [{ topic: orders, partitions: [0, 1, 2] }]);
        assert.equal(detail.body.lag.length, 3);
        assert.equal(
          detail.body.lag.reduce((sum, p) => sum + p.lag, 0),
          detail.body.totalLag,
        );
        assert.equal(detail.body.totalLag, all.length - taken.length);
        assert.equal(detail.body.history.length, 1);
        assert.equal(detail.body.history[0]?.totalLag, detail.body.totalLag);
        assert.equal((await call(`/api/kafka/groups/${prefix}-never`)).status, 404);

        const refused = await post<{ error: string }>(`/api/kafka/groups/${activeGroup}/reset`, { to: 'earliest' });
        assert.equal(refused.status, 409);
        assert.equal(refused.body.error, 'conflict');
      } finally {
        await subscription.close();
      }
    });

    test('the Kafka page is for admins: 401 without credentials or with a wrong token, 403 for a viewer', async () => {
      assert.equal((await post(`/api/kafka/groups/${idleGroup}/reset`, { to: 'earliest' }, {})).status, 401);
      assert.equal((await post(`/api/kafka/groups/${idleGroup}/reset`, { to: 'earliest' }, { authorization: 'Bearer wrong' })).status, 401);
      const forbidden = await post<{ error: string; message: string }>(`/api/kafka/groups/${idleGroup}/reset`, { to: 'earliest' }, viewer);
      assert.equal(forbidden.status, 403);
      assert.equal(forbidden.body.error, 'admin_only');
      // Reading too: messages carry every site's events.
      assert.equal((await call(`/api/kafka/groups/${idleGroup}`, { headers: viewer })).status, 403);
      assert.equal((await call(`/api/kafka/topics/${orders}/messages`, { headers: {} })).status, 401);
      assert.equal((await call(`/api/kafka/groups/${idleGroup}`)).status, 200);
    });

    test('offset reset to earliest, latest and a time moves the committed offsets (once the group has no members)', async () => {
      type Reset = { group: string; offsets: Array<{ topic: string; partition: number; offset: number }> };
      type Detail = { state: string; totalLag: number; lag: Array<{ partition: number; committed: number | null; endOffset: number }> };
      const deadline = Date.now() + 30_000;
      while ((await call<Detail>(`/api/kafka/groups/${activeGroup}`)).body.state === 'Stable' && Date.now() < deadline) await sleep(200);

      const earliest = await post<Reset>(`/api/kafka/groups/${activeGroup}/reset`, { to: 'earliest' });
      assert.equal(earliest.status, 200, JSON.stringify(earliest.body));
      assert.deepEqual(
        earliest.body.offsets.map((o) => [o.topic, o.partition, o.offset]),
        [0, 1, 2].map((p) => [orders, p, 0]),
      );
      assert.equal((await call<Detail>(`/api/kafka/groups/${activeGroup}`)).body.totalLag, all.length);

      const latest = await post<Reset>(`/api/kafka/groups/${activeGroup}/reset`, { to: 'latest', topics: [orders] });
      assert.equal(latest.status, 200);
      const afterLatest = (await call<Detail>(`/api/kafka/groups/${activeGroup}`)).body;
      assert.equal(afterLatest.totalLag, 0);
      for (const p of afterLatest.lag) assert.equal(p.committed, p.endOffset);

      const boundary = batchStarts[2];
      assert.ok(boundary !== undefined);
      const atTime = await post<Reset>(`/api/kafka/groups/${activeGroup}/reset`, {
        to: 'timestamp',
        timestamp: new Date(boundary).toISOString(),
      });
      assert.equal(atTime.status, 200);
      for (const { partition, offset } of atTime.body.offsets) {
        const inPartition = all.filter((m) => m.partition === partition);
        const expected: number = inPartition.find((m) => ts(m) >= boundary)?.offset ?? (inPartition.at(-1)?.offset ?? -1) + 1;
        assert.equal(offset, expected, `partition ${partition}`);
      }
      assert.equal((await call<Detail>(`/api/kafka/groups/${activeGroup}`)).body.totalLag, all.filter((m) => ts(m) >= boundary).length);

      assert.equal((await post(`/api/kafka/groups/${activeGroup}/reset`, { to: 'timestamp' })).status, 400);
      assert.equal((await post(`/api/kafka/groups/${activeGroup}/reset`, { to: 'later' })).status, 400);
      const nothing = await post<{ error: string }>(`/api/kafka/groups/${prefix}-never/reset`, { to: 'earliest' });
      assert.equal(nothing.status, 404);
      assert.equal(nothing.body.error, 'nothing_to_reset');
      assert.equal((await post(`/api/kafka/groups/${activeGroup}/reset`, { to: 'earliest', topics: [`${prefix}-missing`] })).status, 404);
    });

    test('produce a test message (admin) and find it at the offset it got', async () => {
      const produced = await post<{ partition: number; offset: number }>(`/api/kafka/topics/${scratch}/messages`, {
        key: 'probe',
        value: '{"hello":"kafka page"}',
        headers: { source: 'test' },
        partition: 1,
      });
      assert.equal(produced.status, 200, JSON.stringify(produced.body));
      assert.equal(produced.body.partition, 1);
      const found = await page(scratch, `partition=1&offset=${produced.body.offset}&order=oldest&limit=1`);
      assert.equal(found.messages.length, 1);
      assert.deepEqual(
        { key: found.messages[0]?.key, value: found.messages[0]?.value, headers: found.messages[0]?.headers },
        { key: 'probe', value: { hello: 'kafka page' }, headers: { source: 'test' } },
      );
      assert.equal((await post(`/api/kafka/topics/${scratch}/messages`, { value: 'x' }, {})).status, 401);
      assert.equal((await post(`/api/kafka/topics/${scratch}/messages`, { value: 'x' }, viewer)).status, 403);
      assert.equal((await post(`/api/kafka/topics/${scratch}/messages`, { value: 'x', partition: 7 })).status, 400);
      assert.equal((await post(`/api/kafka/topics/${prefix}-missing/messages`, { value: 'x' })).status, 404);
    });

    test('live: new records arrive over SSE as message objects, filters applied', async () => {
      const stop = new AbortController();
      const response = await fetch(`${base}/api/kafka/topics/${scratch}/live?key=wanted`, { signal: stop.signal, headers: auth });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
      assert.ok(response.body !== null);
      const events = sseReader(response.body);
      const nextMessage = async (): Promise<MessageView> => {
        const { event, data } = await events.next();
        assert.equal(event, 'message');
        return data as MessageView;
      };
      try {
        // Produced only once the tail has taken the ends: it follows from there.
        const ready = await within(events.next(), 30_000);
        assert.ok(ready?.event === 'ready', `the tail said it was ready within 30 s: ${JSON.stringify(ready)}`);
        assert.deepEqual(
          (ready.data as { from: { partition: number }[] }).from.map((p) => p.partition).sort((a, b) => a - b),
          [0, 1],
          'from each partition of the topic',
        );
        const sent = Date.now();
        await target.bus.produce([
          { topic: scratch, key: 'other', value: 'skip me', partition: 0 },
          { topic: scratch, key: 'wanted', value: '{"live":true}', partition: 1 },
        ]);
        const message = await within(nextMessage(), 5000);
        assert.ok(message !== undefined, 'no live record within 5 s');
        assert.equal(message.key, 'wanted');
        assert.deepEqual(message.value, { live: true });
        assert.equal(message.partition, 1);
        assert.ok(Date.now() - sent < 3000, `live record after ${Date.now() - sent} ms`);
      } finally {
        stop.abort();
        await events.cancel().catch(() => undefined);
      }
    });

    test(`a ${options.bigRecords.toLocaleString('en')}-record topic: the newest page is its last records, seeks by time land on the boundary`, async () => {
      await target.fill(big, options.bigRecords);
      const end = options.bigRecords;
      const newest = await page(big, 'limit=50');
      assert.deepEqual(
        newest.messages.map((m) => m.offset),
        Array.from({ length: 50 }, (_, i) => end - 1 - i),
      );
      assert.deepEqual(newest.messages[0]?.value, { i: end - 1 });
      assert.ok(newest.nextCursor !== null);
      const next = await page(big, `limit=50&cursor=${encodeURIComponent(newest.nextCursor)}`);
      assert.deepEqual(
        next.messages.map((m) => m.offset),
        Array.from({ length: 50 }, (_, i) => end - 51 - i),
      );

      const [middle] = await target.admin.read(big, 0, Math.floor(end / 2), 1);
      assert.ok(middle !== undefined);
      const upTo = await page(big, `timestamp=${middle.timestamp}&limit=20`);
      const head = upTo.messages[0];
      assert.ok(head !== undefined && ts(head) <= middle.timestamp && head.offset >= middle.offset);
      const [after] = await target.admin.read(big, 0, head.offset + 1, 1);
      assert.ok(after === undefined || after.timestamp > middle.timestamp, 'the page starts at the last record up to the time');
      assert.deepEqual(
        upTo.messages.map((m) => m.offset),
        Array.from({ length: 20 }, (_, i) => head.offset - i),
      );
      const fromTime = await page(big, `timestamp=${middle.timestamp}&order=oldest&limit=20`);
      const firstFrom = fromTime.messages[0];
      assert.ok(firstFrom !== undefined && ts(firstFrom) >= middle.timestamp && firstFrom.offset <= middle.offset);
      if (firstFrom.offset > 0) {
        const [before] = await target.admin.read(big, 0, firstFrom.offset - 1, 1);
        assert.ok(before !== undefined && before.timestamp < middle.timestamp, 'the page starts at the first record from the time');
      }

      // A filter nothing matches: one request looks at its budget of records, and says where to go on.
      const rare = await page(big, 'value=no-such-value');
      assert.deepEqual(rare.messages, []);
      assert.ok(rare.scanned > 0 && rare.scanned <= 20_000, `scanned ${rare.scanned}`);
      assert.ok(rare.nextCursor !== null);
    });
  });
}
