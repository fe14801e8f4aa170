/**
 * JSON schemas of the Kafka page's API (src/query/kafka-routes.ts): they validate requests and
 * describe every answer in the OpenAPI document at /openapi.json.
 */

const nullable = (type: string) => ({ type: [type, 'null'] }) as const;

export const topicParams = {
  type: 'object',
  properties: { topic: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,249}$' } },
  required: ['topic'],
} as const;

export const groupParams = {
  type: 'object',
  properties: { group: { type: 'string', minLength: 1, maxLength: 1024 } },
  required: ['group'],
} as const;

const filterQuery = {
  partition: { type: 'integer', minimum: 0, description: 'One partition; all of them, merged by timestamp, when absent.' },
  key: { type: 'string', maxLength: 1024, description: 'Records whose key contains this (case-insensitive).' },
  header: {
    type: 'string',
    maxLength: 2048,
    description: '`name` (records with that header) or `name=value` (whose value contains `value`); case-insensitive.',
  },
  value: { type: 'string', maxLength: 1024, description: 'Records whose value (as text) contains this (case-insensitive).' },
} as const;

export const messagesQuery = {
  type: 'object',
  properties: {
    ...filterQuery,
    order: { type: 'string', enum: ['newest', 'oldest'], default: 'newest' },
    offset: {
      type: 'integer',
      minimum: 0,
      description: 'With `partition`: start at this offset (newest-first: it and older records; oldest-first: it and newer).',
    },
    timestamp: {
      anyOf: [
        { type: 'string', pattern: '^[0-9]{1,15}$', description: 'Epoch milliseconds.' },
        { type: 'string', format: 'date-time', maxLength: 64, description: 'ISO 8601 (RFC 3339).' },
      ],
      description: 'Start at this time, ISO 8601 or epoch ms (newest-first: records up to it; oldest-first: from it on).',
    },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: {
      type: 'string',
      pattern: '^c1\\.[A-Za-z0-9_-]+$',
      maxLength: 8192,
      description:
        "A previous page's nextCursor: continues exactly after it (order and partitions come from the cursor); one of another topic is a 400 `bad_cursor`.",
    },
  },
} as const;

export const liveQuery = { type: 'object', properties: filterQuery } as const;

export const topicsQuery = {
  type: 'object',
  properties: {
    search: { type: 'string', maxLength: 249, description: 'Topics whose name contains this (case-insensitive).' },
    internal: { type: 'boolean', default: false, description: 'Include internal topics (names starting with `__`).' },
  },
} as const;

export const groupsQuery = {
  type: 'object',
  properties: {
    search: { type: 'string', maxLength: 1024, description: 'Groups whose id contains this (case-insensitive).' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 500 },
    cursor: { type: 'string', pattern: '^g1\\.[A-Za-z0-9_-]*$', maxLength: 4096, description: "A previous page's nextCursor." },
  },
} as const;

export const resetBody = {
  type: 'object',
  properties: {
    to: { type: 'string', enum: ['earliest', 'latest', 'timestamp'] },
    timestamp: { type: 'string', format: 'date-time', description: "Required with `to: 'timestamp'`." },
    topics: {
      type: 'array',
      items: topicParams.properties.topic,
      minItems: 1,
      maxItems: 1000,
      description: 'Default: every topic the group has committed offsets on.',
    },
  },
  required: ['to'],
  additionalProperties: false,
} as const;

export const produceBody = {
  type: 'object',
  properties: {
    key: { type: 'string', maxLength: 65_536 },
    value: { type: 'string' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    partition: { type: 'integer', minimum: 0, description: "Default: the key's partition, or round-robin without a key." },
  },
  required: ['value'],
  additionalProperties: false,
} as const;

const broker = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    host: { type: 'string' },
    port: { type: 'integer' },
    controller: { type: 'boolean' },
    partitionsLed: { type: 'integer' },
  },
} as const;

export const overviewReply = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['kafka', 'embedded'] },
    controllerId: nullable('integer'),
    brokers: { type: 'array', items: broker },
  },
} as const;

export const topicsReply = {
  type: 'object',
  properties: {
    topics: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          partitions: { type: 'integer' },
          replicationFactor: { type: 'integer' },
          inSyncReplicas: { type: 'integer', description: 'Sum of the partitions’ ISR sizes.' },
          underReplicated: { type: 'integer', description: 'Partitions with fewer in-sync replicas than replicas.' },
          records: { type: 'integer', description: 'Sum of end − start offsets (on a compacted topic, an upper bound).' },
          sizeBytes: { ...nullable('integer'), description: 'Bytes of one copy (the leaders’ logs); null when unknown.' },
          retentionMs: nullable('string'),
          cleanupPolicy: { type: 'string' },
        },
      },
    },
  },
} as const;

const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;

export const topicReply = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    config: stringMap,
    partitions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          partition: { type: 'integer' },
          leader: { type: 'integer', description: '-1 while the partition has no leader.' },
          replicas: { type: 'array', items: { type: 'integer' } },
          isr: { type: 'array', items: { type: 'integer' } },
          startOffset: { type: 'integer' },
          endOffset: { type: 'integer' },
        },
      },
    },
  },
} as const;

const lagEntry = {
  type: 'object',
  properties: {
    topic: { type: 'string' },
    partition: { type: 'integer' },
    committed: nullable('integer'),
    endOffset: { type: 'integer' },
    lag: { type: 'integer', description: 'endOffset − committed (− the oldest retained offset when nothing is committed).' },
  },
} as const;

export const groupsReply = {
  type: 'object',
  properties: {
    groups: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          group: { type: 'string' },
          state: { type: 'string' },
          members: { type: 'integer' },
          topics: { type: 'array', items: { type: 'string' } },
          totalLag: { ...nullable('integer'), description: 'null when the group has committed nothing.' },
        },
      },
    },
    nextCursor: { ...nullable('string'), description: 'More groups after this page (see `limit`).' },
  },
} as const;

export const groupReply = {
  type: 'object',
  properties: {
    group: { type: 'string' },
    state: { type: 'string' },
    members: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          clientId: { type: 'string' },
          host: { type: 'string' },
          assignments: {
            type: 'array',
            items: { type: 'object', properties: { topic: { type: 'string' }, partitions: { type: 'array', items: { type: 'integer' } } } },
          },
        },
      },
    },
    lag: { type: 'array', items: lagEntry },
    totalLag: nullable('integer'),
    history: {
      type: 'array',
      description: 'Total lag sampled every 10 s while the group is looked at (the last hour), oldest first.',
      items: { type: 'object', properties: { ts: { type: 'string', description: 'ISO 8601' }, totalLag: nullable('integer') } },
    },
  },
} as const;

const offsetEntry = {
  type: 'object',
  properties: { topic: { type: 'string' }, partition: { type: 'integer' }, offset: { type: 'integer' } },
} as const;

export const resetReply = {
  type: 'object',
  properties: { group: { type: 'string' }, offsets: { type: 'array', items: offsetEntry } },
} as const;

export const messageSchema = {
  type: 'object',
  properties: {
    partition: { type: 'integer' },
    offset: { type: 'integer' },
    timestamp: { type: 'string', description: 'ISO 8601' },
    key: nullable('string'),
    headers: stringMap,
    value: { description: 'Parsed JSON when the value is JSON, else its text; null for a tombstone.' },
    size: { type: 'integer', description: 'Bytes of key, value and headers.' },
  },
} as const;

export const messagesReply = {
  type: 'object',
  properties: {
    messages: { type: 'array', items: messageSchema },
    nextCursor: nullable('string'),
    scanned: { type: 'integer', description: 'Records looked at for this page, filtered-out ones included.' },
  },
} as const;

export const producedReply = {
  type: 'object',
  properties: { partition: { type: 'integer' }, offset: { type: 'integer' } },
} as const;
