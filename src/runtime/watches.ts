import type { ConsumerGroupWatch } from '../query/pipeline-health.ts';
import type { WorkerDefinition } from '../workers/worker-runner.ts';

/** The consumer group and topics of a worker, for the lag figures. */
export const watchOf = (definition: Pick<WorkerDefinition<unknown>, 'group' | 'topics'>): ConsumerGroupWatch => ({
  group: definition.group,
  topics: definition.topics,
});
