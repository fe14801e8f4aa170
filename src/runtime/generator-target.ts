import type { Bus, TopicSpec } from '../bus/bus.ts';
import { topicNames, topicSpecsOf } from '../bus/topics.ts';
import type { Config } from '../config/config.ts';
import { systemClock, type Clock } from '../generator/clock.ts';
import { defaultRetryPolicy, withRetries } from '../generator/retry.ts';
import { createHttpTarget, createKafkaTarget, type Target } from '../generator/targets.ts';
import type { Logger } from '../shared/logger.ts';

/** `--target`: `kafka`, or an ingest base URL such as http://127.0.0.1:8080. */
export const isKafkaTarget = (target: string): boolean => target === 'kafka';

export interface TargetSpec {
  target: string;
  /** Kafka target: the topic (default `page-views`, with PULSE_TOPIC_PREFIX). */
  topic?: string | undefined;
  /** The run's id prefix, carried in record headers. */
  run: string;
}

/**
 * Where `pulse generate` sends: Kafka through the Bus port's Kafka adapter, or an ingest URL. For
 * Kafka the topic is created if missing and its partition count read, both retried like sends
 * (an unreachable broker fails after the last attempt, not at once).
 */
export async function openGeneratorTarget(
  spec: TargetSpec,
  deps: { config: Config; logger: Logger; bus?: Bus | undefined; clock?: Clock | undefined },
): Promise<Target> {
  if (!isKafkaTarget(spec.target)) return createHttpTarget({ url: spec.target });
  const standard = topicNames(deps.config.PULSE_TOPIC_PREFIX).pageViews;
  const topic = spec.topic ?? standard;
  // Imported here: an HTTP target never loads the Kafka client.
  const bus = deps.bus ?? (await import('./adapters.ts')).kafkaBusFrom(deps.config);
  try {
    const specs: TopicSpec[] =
      topic === standard
        ? topicSpecsOf(deps.config, [topic]).filter((s) => s.name === topic) // not its .dlq: the generator never writes there
        : [{ name: topic, partitions: deps.config.PULSE_PARTITIONS, replicas: deps.config.PULSE_REPLICATION_FACTOR }];
    const partitions = await withRetries(
      async () => {
        await bus.ensureTopics(specs);
        const info = (await bus.listTopics()).find((t) => t.name === topic);
        if (info === undefined || info.partitions.length === 0) throw new Error(`topic "${topic}" has no partitions`);
        return info.partitions.length;
      },
      defaultRetryPolicy,
      deps.clock ?? systemClock,
      ({ attempt, delayMs, error }) => deps.logger.warn({ err: error, attempt, delayMs }, 'Kafka not ready, retrying'),
    );
    return createKafkaTarget({ bus, topic, partitions, run: spec.run });
  } catch (error) {
    if (deps.bus === undefined) await bus.close();
    throw error;
  }
}
