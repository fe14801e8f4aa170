import {
  FetchIsolationLevels,
  kGetApi,
  kGetBootstrapConnection,
  kGetConnection,
  kPerformWithRetry,
  type Admin,
  type API,
  type Callback,
  type Connection,
  type listOffsetsV9,
  type metadataV12,
} from '@platformatic/kafka';

/**
 * Two Kafka requests made through the admin client's own connections (its exported extension
 * points), because its helpers cannot serve the Kafka page: its cached metadata leaves out internal
 * topics (`__consumer_offsets`), and a partition without a leader fails a whole ListOffsets. Here both
 * answer what they can: a response that carries per-topic or per-partition errors is used for the rest.
 */

export interface ClusterPartition {
  partition: number;
  /** -1 when the partition has no leader. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

export interface ClusterTopic {
  name: string;
  id: string;
  internal: boolean;
  partitions: ClusterPartition[];
}

export interface ClusterMetadata {
  controllerId: number;
  brokers: Map<number, { host: string; port: number }>;
  topics: Map<string, ClusterTopic>;
}

type MetadataResponse = metadataV12.MetadataResponse;
type ListOffsetsResponse = listOffsetsV9.ListOffsetsResponse;
type ListOffsetsTopic = listOffsetsV9.ListOffsetsRequestTopic;

/** The partial response a Kafka error carries when only some topics or partitions failed. */
function responseOf<T>(error: unknown): T | undefined {
  return (error as { response?: T } | null)?.response;
}

function viaApi<Args extends unknown[], Response>(
  admin: Admin,
  operation: string,
  apiName: string,
  connect: (callback: Callback<Connection>) => void,
  args: Args,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    // Answers through the callback (it returns a promise only for promisified callbacks).
    void admin[kPerformWithRetry]<Response>(
      operation,
      (retry) => {
        connect((error, connection) => {
          if (error !== null || connection === undefined) return retry(error ?? new Error('no connection'));
          admin[kGetApi]<Args, Response>(apiName, (apiError, api?: API<Args, Response>) => {
            if (apiError !== null || api === undefined) return retry(apiError ?? new Error(`no ${apiName} API`));
            api(connection, ...args, (callError: Error | null, response?: Response) => {
              const partial = callError === null ? response : responseOf<Response>(callError);
              // Errors inside a response are the broker's answer: use the rest of it, do not retry.
              if (partial !== undefined) retry(null, partial);
              else retry(callError);
            });
          });
        });
      },
      (error, response) => {
        if (error !== null || response === undefined) reject(error ?? new Error(`${operation}: no response`));
        else resolve(response);
      },
    );
  });
}

/** Brokers, controller and every topic (internal ones included) with leaders, replicas and ISR. */
export async function readClusterMetadata(admin: Admin): Promise<ClusterMetadata> {
  const response = await viaApi<[topics: null, autoCreate: boolean, authorizedOperations: boolean], MetadataResponse>(
    admin,
    'clusterMetadata',
    'Metadata',
    (callback) => admin[kGetBootstrapConnection](callback),
    [null, false, false],
  );
  const topics = new Map<string, ClusterTopic>();
  for (const topic of response.topics) {
    // A topic this client may not describe (errorCode set) is left out, as Kafka's own tools do.
    const name = topic.name;
    if (topic.errorCode !== 0 || typeof name !== 'string') continue;
    topics.set(name, {
      name,
      id: topic.topicId,
      internal: topic.isInternal,
      partitions: topic.partitions
        .map((p) => ({
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: [...p.replicaNodes],
          isr: [...p.isrNodes],
        }))
        .sort((a, b) => a.partition - b.partition),
    });
  }
  return {
    controllerId: response.controllerId,
    brokers: new Map(response.brokers.map((b) => [b.nodeId, { host: b.host, port: b.port }])),
    topics,
  };
}

/** Kafka's special timestamps for ListOffsets. */
export const LATEST = -1n;
export const EARLIEST = -2n;

export interface OffsetQuery {
  topic: string;
  partition: number;
  /** LATEST, EARLIEST or epoch ms. */
  timestamp: bigint;
}

export const slot = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * ListOffsets per leader for each query; the answer maps `slot(topic, partition)` to the offset (-1:
 * no record at/after that timestamp). Partitions without a leader, or whose leader refused, are absent.
 */
export async function listOffsets(admin: Admin, cluster: ClusterMetadata, queries: readonly OffsetQuery[]): Promise<Map<string, bigint>> {
  const byLeader = new Map<number, Map<string, ListOffsetsTopic>>();
  for (const query of queries) {
    const partition = cluster.topics.get(query.topic)?.partitions[query.partition];
    if (partition === undefined || partition.leader < 0 || !cluster.brokers.has(partition.leader)) continue;
    const topics = byLeader.get(partition.leader) ?? new Map<string, ListOffsetsTopic>();
    byLeader.set(partition.leader, topics);
    const topic = topics.get(query.topic) ?? { name: query.topic, partitions: [] };
    topics.set(query.topic, topic);
    topic.partitions.push({ partitionIndex: query.partition, currentLeaderEpoch: partition.leaderEpoch, timestamp: query.timestamp });
  }
  const answers = await Promise.all(
    [...byLeader].map(([leader, topics]) => {
      const broker = cluster.brokers.get(leader);
      return viaApi<[replica: number, isolation: number, topics: ListOffsetsTopic[]], ListOffsetsResponse>(
        admin,
        'listOffsets',
        'ListOffsets',
        (callback) => {
          if (broker === undefined) callback(new Error(`no broker ${leader}`));
          else admin[kGetConnection]({ host: broker.host, port: broker.port }, callback);
        },
        [-1, FetchIsolationLevels.READ_UNCOMMITTED, [...topics.values()]],
      );
    }),
  );
  const offsets = new Map<string, bigint>();
  for (const answer of answers) {
    for (const topic of answer.topics) {
      for (const p of topic.partitions) if (p.errorCode === 0) offsets.set(slot(topic.name, p.partitionIndex), p.offset);
    }
  }
  return offsets;
}
