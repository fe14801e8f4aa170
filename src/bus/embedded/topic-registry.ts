import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopicSpec } from '../bus.ts';
import { isErrno, writeFileAtomic } from './atomic-file.ts';
import { EmbeddedBusError } from './errors.ts';
import type { ResolvedOptions } from './options.ts';
import { PartitionLog } from './partition-log.ts';
import type { RetentionPolicy } from './partition-log.ts';

/** Kafka's own limits, so a topic that works here can be created on a cluster unchanged. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const MAX_PARTITIONS = 10_000;
const METADATA_FILE = 'topics.json';

interface TopicMetadata {
  name: string;
  partitions: number;
  config: Record<string, string>;
}

export interface Topic extends TopicMetadata {
  logs: PartitionLog[];
}

/**
 * The topics of one data directory: `topics.json` says which exist (written atomically), and
 * `topics/<name>-<partition>/` holds each partition's segments, as in a Kafka log dir.
 */
export class TopicRegistry {
  private readonly dir: string;
  private readonly options: ResolvedOptions;
  private readonly topics = new Map<string, Topic>();
  private metadataChain: Promise<unknown> = Promise.resolve();

  private constructor(options: ResolvedOptions) {
    this.options = options;
    this.dir = options.dir;
  }

  static async open(options: ResolvedOptions): Promise<TopicRegistry> {
    const registry = new TopicRegistry(options);
    for (const metadata of await registry.readMetadata()) {
      registry.topics.set(metadata.name, await registry.openTopic(metadata));
    }
    return registry;
  }

  get(name: string): Topic | undefined {
    return this.topics.get(name);
  }

  require(name: string): Topic {
    const topic = this.topics.get(name);
    if (topic === undefined) {
      throw new EmbeddedBusError(
        'UNKNOWN_TOPIC',
        `topic "${name}" does not exist; create it with ensureTopics (auto-creation is disabled)`,
      );
    }
    return topic;
  }

  list(): Topic[] {
    return [...this.topics.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  ensure(specs: readonly TopicSpec[]): Promise<void> {
    for (const spec of specs) validateSpec(spec);
    const run = this.metadataChain.then(async () => {
      let created = false;
      for (const spec of specs) {
        const existing = this.topics.get(spec.name);
        if (existing !== undefined) {
          if (existing.partitions !== spec.partitions) {
            this.options.logger.warn(
              { topic: spec.name, existing: existing.partitions, requested: spec.partitions },
              'embedded bus: topic exists with a different partition count; left unchanged',
            );
          }
          continue;
        }
        const metadata = { name: spec.name, partitions: spec.partitions, config: { ...spec.config } };
        this.topics.set(spec.name, await this.openTopic(metadata));
        created = true;
      }
      if (created) await this.writeMetadata();
    });
    this.metadataChain = run.catch(() => undefined);
    return run;
  }

  enforceRetention(): Promise<void> {
    return Promise.all(this.list().flatMap((topic) => topic.logs.map((log) => log.enforceRetention()))).then(() => undefined);
  }

  async close(): Promise<void> {
    await this.metadataChain;
    await Promise.all(this.list().flatMap((topic) => topic.logs.map((log) => log.close())));
  }

  private async openTopic(metadata: TopicMetadata): Promise<Topic> {
    const retention = retentionFor(metadata.config, this.options);
    const logs = await Promise.all(
      Array.from({ length: metadata.partitions }, (_, partition) =>
        PartitionLog.open(join(this.dir, 'topics', `${metadata.name}-${partition}`), metadata.name, partition, this.options, retention),
      ),
    );
    return { ...metadata, logs };
  }

  private async readMetadata(): Promise<TopicMetadata[]> {
    let text: string;
    try {
      text = await readFile(join(this.dir, METADATA_FILE), 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
    const parsed = JSON.parse(text) as { topics?: TopicMetadata[] };
    return parsed.topics ?? [];
  }

  private async writeMetadata(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const topics: TopicMetadata[] = this.list().map(({ name, partitions, config }) => ({ name, partitions, config }));
    await writeFileAtomic(join(this.dir, METADATA_FILE), `${JSON.stringify({ version: 1, topics }, null, 2)}\n`, this.options.fsync);
  }
}

function validateSpec(spec: TopicSpec): void {
  if (!TOPIC_NAME.test(spec.name) || spec.name === '.' || spec.name === '..') {
    throw new EmbeddedBusError('INVALID_TOPIC', `invalid topic name "${spec.name}" (allowed: 1–249 of [a-zA-Z0-9._-])`);
  }
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1 || spec.partitions > MAX_PARTITIONS) {
    throw new EmbeddedBusError('INVALID_TOPIC', `topic "${spec.name}" needs 1–${MAX_PARTITIONS} partitions, got ${spec.partitions}`);
  }
  const retentionMs = spec.config?.['retention.ms'];
  if (retentionMs !== undefined && retentionMs !== '-1' && !/^[1-9]\d*$/.test(retentionMs)) {
    throw new EmbeddedBusError(
      'INVALID_TOPIC',
      `topic "${spec.name}": retention.ms must be -1 or a positive integer, got "${retentionMs}"`,
    );
  }
}

/**
 * Honours the Kafka topic configs that decide what may be deleted. A compacted topic (e.g. the
 * banned-products list) is the source of truth for its keys; since this log does not compact, it
 * keeps such topics whole rather than lose live keys to time or count limits.
 */
export function retentionFor(
  config: Readonly<Record<string, string>>,
  defaults: Pick<ResolvedOptions, 'maxRecordsPerPartition' | 'maxAgeMs'>,
): RetentionPolicy {
  const policies = (config['cleanup.policy'] ?? 'delete').split(',').map((p) => p.trim());
  if (!policies.includes('delete')) return { maxRecords: Infinity, maxAgeMs: Infinity };
  const retentionMs = config['retention.ms'];
  let maxAgeMs: number = defaults.maxAgeMs;
  if (retentionMs === '-1') maxAgeMs = Infinity;
  else if (retentionMs !== undefined) maxAgeMs = Number(retentionMs);
  return { maxRecords: defaults.maxRecordsPerPartition, maxAgeMs };
}
