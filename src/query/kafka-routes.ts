import type { FastifyInstance } from 'fastify';
import type { Bus, ClusterAdmin, PartitionInfo } from '../bus/bus.ts';
import { errorResponse, errorResponses, eventStreamResponse } from '../http/api-contract.ts';
import { PulseError, badRequest, errorCodes } from '../shared/errors.ts';
import { createLagHistory, groupsLag, listGroupRows } from './kafka-groups.ts';
import { tailTopic } from './kafka-live.ts';
import { browseMessages, parseHeaderFilter, type MessageFilter, type MessageOrder } from './kafka-messages.ts';
import {
  groupParams,
  groupReply,
  groupsQuery,
  groupsReply,
  liveQuery,
  messagesQuery,
  messagesReply,
  overviewReply,
  produceBody,
  producedReply,
  resetBody,
  resetReply,
  topicParams,
  topicReply,
  topicsQuery,
  topicsReply,
} from './kafka-schemas.ts';

export interface KafkaRoutesDeps {
  bus: Bus;
  admin: ClusterAdmin;
  /** Lag history sampling interval (default 10 s). */
  lagSampleMs?: number;
}

interface FilterQuery {
  partition?: number;
  key?: string;
  header?: string;
  value?: string;
}

const filterOf = (query: FilterQuery): MessageFilter => ({ key: query.key, header: parseHeaderFilter(query.header), value: query.value });

/** ISO 8601 or epoch milliseconds. */
function parseTime(text: string): number {
  const at = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(at)) throw badRequest('bad_timestamp', `timestamp "${text}" is neither ISO 8601 nor epoch milliseconds`);
  return at;
}

const unknownTopic = (topic: string): PulseError =>
  new PulseError(errorCodes.NOT_FOUND, `no topic "${topic}"`, { detail: 'unknown_topic' });

/**
 * The Kafka page's API, the same on Kafka and on the embedded log (both behind the ClusterAdmin
 * port): brokers, topics, partitions, consumer groups with lag and offset reset, a message browser
 * that seeks (newest first by default, by offset or time, filtered on the server, paged with a
 * cursor), a live tail over SSE, and producing a test message. Resetting offsets and producing are
 * admin actions (src/auth/access-policy.ts: the Kafka page is for admins).
 */
export function registerKafkaRoutes(app: FastifyInstance, deps: KafkaRoutesDeps): void {
  const { admin } = deps;
  const history = createLagHistory({
    admin,
    ...(deps.lagSampleMs === undefined ? {} : { intervalMs: deps.lagSampleMs }),
    onError: (error) => app.log.warn({ err: error }, 'kafka page: lag sample failed'),
  });
  app.addHook('onClose', async () => history.close());

  const partitionsOf = async (topic: string): Promise<PartitionInfo[]> => {
    const [info] = await admin.partitionOffsets([topic]);
    if (info === undefined) throw unknownTopic(topic);
    return info.partitions;
  };

  app.get(
    '/api/kafka/overview',
    {
      schema: {
        description: 'Kafka page: the brokers, the controller and the partitions each leads.',
        response: { 200: overviewReply, ...errorResponses(503) },
      },
    },
    async () => ({ kind: admin.kind, ...(await admin.describeCluster()) }),
  );

  app.get<{ Querystring: { search?: string; internal: boolean } }>(
    '/api/kafka/topics',
    {
      schema: {
        description: 'Kafka page: topics with partitions, replication, in-sync replicas, records, size and retention.',
        querystring: topicsQuery,
        response: { 200: topicsReply, ...errorResponses(503) },
      },
    },
    async (request) => {
      const needle = request.query.search?.toLowerCase() ?? '';
      const names = (await admin.topicNames())
        .filter((t) => request.query.internal || !(t.internal || t.name.startsWith('__')))
        .filter((t) => t.name.toLowerCase().includes(needle))
        .map((t) => t.name);
      const described = names.length === 0 ? [] : await admin.describeTopics(names, { configKeys: ['retention.ms', 'cleanup.policy'] });
      return {
        topics: described.map((topic) => ({
          name: topic.name,
          partitions: topic.partitions.length,
          replicationFactor: Math.max(0, ...topic.partitions.map((p) => p.replicas.length)),
          inSyncReplicas: topic.partitions.reduce((sum, p) => sum + p.isr.length, 0),
          underReplicated: topic.partitions.filter((p) => p.isr.length < p.replicas.length).length,
          records: topic.partitions.reduce((sum, p) => sum + Math.max(0, p.endOffset - p.startOffset), 0),
          sizeBytes: topic.sizeBytes,
          retentionMs: topic.config['retention.ms'] ?? null,
          cleanupPolicy: topic.config['cleanup.policy'] ?? 'delete',
        })),
      };
    },
  );

  app.get<{ Params: { topic: string } }>(
    '/api/kafka/topics/:topic',
    {
      schema: {
        description: "Kafka page: a topic's configuration and partitions (leader, replicas, ISR, offsets).",
        params: topicParams,
        response: { 200: topicReply, ...errorResponses(404, 503) },
      },
    },
    async (request) => {
      const [topic] = await admin.describeTopics([request.params.topic]);
      if (topic === undefined) throw unknownTopic(request.params.topic);
      return {
        name: topic.name,
        config: topic.config,
        partitions: topic.partitions.map(({ partition, leader, replicas, isr, startOffset, endOffset }) => ({
          partition,
          leader,
          replicas,
          isr,
          startOffset,
          endOffset,
        })),
      };
    },
  );

  app.get<{ Querystring: { search?: string; limit: number; cursor?: string } }>(
    '/api/kafka/groups',
    {
      schema: {
        description: 'Kafka page: consumer groups with state, members, topics and total lag, by id, `limit` at a time.',
        querystring: groupsQuery,
        response: { 200: groupsReply, ...errorResponses(503) },
      },
    },
    async (request) => listGroupRows(admin, request.query),
  );

  app.get<{ Params: { group: string } }>(
    '/api/kafka/groups/:group',
    {
      schema: {
        description: "Kafka page: a group's members and assignments, lag per partition, and total lag over the last hour.",
        params: groupParams,
        response: { 200: groupReply, ...errorResponses(404, 503) },
      },
    },
    async (request) => {
      const { group } = request.params;
      const found = (await groupsLag(admin, [group])).get(group);
      if (found === undefined || (found.description.state === 'Dead' && found.lag.length === 0 && found.description.members.length === 0)) {
        throw new PulseError(errorCodes.NOT_FOUND, `no consumer group "${group}"`, { detail: 'unknown_group' });
      }
      return {
        group,
        state: found.description.state,
        members: found.description.members,
        lag: found.lag,
        totalLag: found.totalLag,
        history: history.watch(group, found.totalLag),
      };
    },
  );

  app.post<{ Params: { group: string }; Body: { to: 'earliest' | 'latest' | 'timestamp'; timestamp?: string; topics?: string[] } }>(
    '/api/kafka/groups/:group/reset',
    {
      schema: {
        description:
          "Admin: move a group's committed offsets to the earliest or latest records, or to a time. Refused (409) while the group has members.",
        params: groupParams,
        body: resetBody,
        response: {
          200: resetReply,
          404: errorResponse(404, 'A topic named does not exist, or the group has no committed offsets and no topics were named.'),
          409: errorResponse(409, 'The group has members: stop them first.'),
          ...errorResponses(503),
        },
      },
    },
    async (request) => {
      const { group } = request.params;
      const { to, timestamp, topics } = request.body;
      if (to === 'timestamp' && timestamp === undefined) throw badRequest('timestamp_required', "`to: 'timestamp'` needs `timestamp`");
      for (const topic of topics ?? []) await partitionsOf(topic);
      const target = to === 'timestamp' ? { to, timestamp: parseTime(timestamp ?? '') } : { to };
      const offsets = await admin.resetGroupOffsets(group, target, topics);
      if (offsets.length === 0) {
        throw new PulseError(errorCodes.NOT_FOUND, `group "${group}" has no committed offsets: name the topics to set them on`, {
          detail: 'nothing_to_reset',
        });
      }
      request.log.info({ group, to, timestamp, partitions: offsets.length }, 'kafka page: consumer group offsets reset');
      return { group, offsets };
    },
  );

  app.get<{
    Params: { topic: string };
    Querystring: FilterQuery & { order: MessageOrder; offset?: number; timestamp?: string; limit: number; cursor?: string };
  }>(
    '/api/kafka/topics/:topic/messages',
    {
      schema: {
        description:
          'Kafka page: records of a topic, newest first by default, from an offset or a time, filtered on the server, paged with a cursor (a scan budget per request: a page may hold fewer than `limit` with a cursor to go on).',
        params: topicParams,
        querystring: messagesQuery,
        response: { 200: messagesReply, ...errorResponses(404, 503) },
      },
    },
    async (request) => {
      const { query } = request;
      return browseMessages(admin, {
        topic: request.params.topic,
        partition: query.partition,
        order: query.order,
        offset: query.offset,
        timestamp: query.timestamp === undefined ? undefined : parseTime(query.timestamp),
        filter: filterOf(query),
        limit: query.limit,
        cursor: query.cursor,
      });
    },
  );

  app.get<{ Params: { topic: string }; Querystring: FilterQuery }>(
    '/api/kafka/topics/:topic/live',
    {
      schema: {
        description:
          'Kafka page: server-sent events of new records (one message object per event, filters as for /messages); a `ready` event once every record written afterwards will be sent; a `skipped` event counts records passed over when they arrive faster than shown.',
        params: topicParams,
        querystring: liveQuery,
        response: {
          200: eventStreamResponse(
            ['ready', 'message', 'skipped', 'error'],
            '`ready` (each partition and the offset the tail starts from) once the tail has taken the ends; one `message` event a new record; `skipped` counts records passed over; `error` before the stream ends on a failed read.',
          ),
          ...errorResponses(404, 503),
        },
      },
    },
    async (request, reply) => {
      const { topic } = request.params;
      const partitions = await partitionsOf(topic);
      if (request.query.partition !== undefined && !partitions.some((p) => p.partition === request.query.partition)) {
        throw badRequest('unknown_partition', `topic "${topic}" has no partition ${request.query.partition}`);
      }
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      out.write('retry: 2000\n\n');
      const stop = new AbortController();
      out.on('close', () => stop.abort());
      const keepAlive = setInterval(() => out.write(': keep-alive\n\n'), 15_000);
      try {
        await tailTopic(admin, {
          topic,
          partition: request.query.partition,
          filter: filterOf(request.query),
          signal: stop.signal,
          ready: (from) => out.write(`event: ready\ndata: ${JSON.stringify({ from })}\n\n`),
          send: (message) => out.write(`data: ${JSON.stringify(message)}\n\n`),
          skipped: (count) => out.write(`event: skipped\ndata: ${JSON.stringify({ count })}\n\n`),
        });
      } catch (error) {
        // The status line is sent: say why the stream ends; the browser reconnects after `retry`.
        request.log.warn({ err: error, topic }, 'kafka page: live tail failed');
        out.write(`event: error\ndata: ${JSON.stringify({ message: 'reading the topic failed; reconnecting' })}\n\n`);
      } finally {
        clearInterval(keepAlive);
        out.end();
      }
      return reply;
    },
  );

  app.post<{ Params: { topic: string }; Body: { key?: string; value: string; headers?: Record<string, string>; partition?: number } }>(
    '/api/kafka/topics/:topic/messages',
    {
      schema: {
        description: 'Admin: produce a test message to a topic.',
        params: topicParams,
        body: produceBody,
        response: { 200: producedReply, ...errorResponses(404, 503) },
      },
    },
    async (request) => {
      const { topic } = request.params;
      const { key, value, headers, partition } = request.body;
      const partitions = await partitionsOf(topic);
      if (partition !== undefined && !partitions.some((p) => p.partition === partition)) {
        throw badRequest('unknown_partition', `topic "${topic}" has no partition ${partition}`);
      }
      const [produced] = await deps.bus.produce([{ topic, key, value, headers, partition }]);
      if (produced === undefined) throw new PulseError(errorCodes.BUS_UNAVAILABLE, 'the bus acknowledged nothing');
      request.log.info({ topic, partition: produced.partition, offset: produced.offset }, 'kafka page: test message produced');
      return { partition: produced.partition, offset: produced.offset };
    },
  );
}
