/** The load generator (seed 002): plan, pacing, targets, control API. */
export { createVirtualClock, systemClock, type Clock, type VirtualClock } from './clock.ts';
export { buildControlApp } from './control-app.ts';
export { expectedAggregates, expectedTopPages, expectedTotals, type PlanTotals } from './expected.ts';
export {
  createLoadGenerator,
  strategies,
  type GeneratorOptions,
  type GeneratorStatus,
  type LoadGenerator,
  type Strategy,
} from './generator.ts';
export { createGeneratorMetrics, type GeneratorMetrics } from './metrics.ts';
export { generatorPages, type GeneratedPage } from './pages.ts';
export {
  applyDefect,
  createPlanner,
  defaultIdPrefix,
  partitionFor,
  planEvents,
  type InvalidKind,
  type Partitioning,
  type PlanOptions,
  type PlannedEvent,
} from './plan.ts';
export { backoffDelay, defaultRetryPolicy, withRetries, type RetryPolicy } from './retry.ts';
export { openTarget, runGenerator, serveGenerator, type ServedGenerator } from './run.ts';
export { createPacer, exactRate, modes, peakRate, randomWalkRate, type Mode } from './schedule.ts';
export { createHttpTarget, createKafkaTarget, kafkaRecord, wireEvent, type Target } from './targets.ts';
