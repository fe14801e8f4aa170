import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  browseSearch,
  defaultBrowse,
  groupHash,
  kafkaHash,
  messagesParams,
  parseBrowse,
  parseKafkaHash,
  topicHash,
  type BrowseQuery,
} from '../../../src/dashboard/web/src/kafka-route.ts';

test('the Kafka pages by hash, with deep links to a topic and a group', () => {
  assert.deepEqual(parseKafkaHash('#kafka'), { page: 'topics' });
  assert.deepEqual(parseKafkaHash('#kafka/'), { page: 'topics' });
  assert.deepEqual(parseKafkaHash('#kafka/topics'), { page: 'topics' });
  assert.deepEqual(parseKafkaHash('#kafka/groups'), { page: 'groups' });
  assert.deepEqual(parseKafkaHash('#kafka/topics/user-activity'), { page: 'topic', topic: 'user-activity', browse: defaultBrowse() });
  assert.deepEqual(parseKafkaHash('#kafka/groups/pulse-realtime'), { page: 'group', group: 'pulse-realtime' });
  assert.deepEqual(parseKafkaHash('#kafka/nonsense'), { page: 'topics' });
  assert.deepEqual(parseKafkaHash('#live'), { page: 'topics' });
});

test('any group id links: encoded in the hash, read back whole', () => {
  for (const group of ['a/b c', 'ünï', 'x?y=1', '100%', 'a#b']) {
    const hash = groupHash(group);
    assert.ok(!hash.slice('#kafka/groups/'.length).includes('/'), hash);
    assert.deepEqual(parseKafkaHash(hash), { page: 'group', group });
  }
  assert.equal(topicHash('orders.v1'), '#kafka/topics/orders.v1');
  assert.equal(kafkaHash({ page: 'topics' }), '#kafka');
  assert.equal(kafkaHash({ page: 'groups' }), '#kafka/groups');
  // A malformed escape is read as written rather than failing.
  assert.deepEqual(parseKafkaHash('#kafka/groups/50%'), { page: 'group', group: '50%' });
});

test('a browse query survives the hash, and a plain topic link stays plain', () => {
  assert.equal(browseSearch(defaultBrowse()), '');
  const queries: BrowseQuery[] = [
    {
      ...defaultBrowse(),
      partition: 2,
      order: 'oldest',
      seek: 'offset',
      offset: 1234,
      key: 'user 1',
      header: 'source=api',
      value: '{"a"',
      limit: 100,
    },
    { ...defaultBrowse(), seek: 'timestamp', timestamp: Date.UTC(2025, 0, 2, 3, 4, 5, 678) },
    { ...defaultBrowse(), partition: 0 },
  ];
  for (const browse of queries) {
    const hash = kafkaHash({ page: 'topic', topic: 't', browse });
    assert.deepEqual(parseKafkaHash(hash), { page: 'topic', topic: 't', browse }, hash);
  }
  assert.equal(
    kafkaHash({ page: 'topic', topic: 't', browse: queries[1] as BrowseQuery }),
    '#kafka/topics/t?timestamp=2025-01-02T03%3A04%3A05.678Z',
  );
});

test('a malformed browse query keeps the defaults', () => {
  assert.deepEqual(parseBrowse('partition=-1&order=sideways&offset=abc&timestamp=never&limit=7'), defaultBrowse());
  assert.deepEqual(parseBrowse('timestamp=1700000000000'), { ...defaultBrowse(), seek: 'timestamp', timestamp: 1_700_000_000_000 });
  // An offset wins over a time: one seek at a time.
  assert.equal(parseBrowse('offset=5&timestamp=1700000000000').seek, 'offset');
});

test('the messages request: order always, seek and filters when set, the cursor for the next page', () => {
  assert.equal(messagesParams(defaultBrowse()).toString(), 'order=newest&limit=50');
  const browse: BrowseQuery = {
    ...defaultBrowse(),
    partition: 1,
    order: 'oldest',
    seek: 'timestamp',
    timestamp: Date.UTC(2025, 0, 1),
    offset: 99, // ignored: the seek is by time
    value: 'page_view',
  };
  const params = messagesParams(browse, 'c-2');
  assert.deepEqual(Object.fromEntries(params), {
    partition: '1',
    order: 'oldest',
    timestamp: '2025-01-01T00:00:00.000Z',
    value: 'page_view',
    limit: '50',
    cursor: 'c-2',
  });
});
