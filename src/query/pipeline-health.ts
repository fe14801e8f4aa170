import type { Bus } from '../bus/bus.ts';

export interface ConsumerGroupWatch {
  group: string;
  topics: string[];
}

export interface PipelineHealth {
  groups: { group: string; totalLag: number; topics: { topic: string; lag: number; partitions: number }[] }[];
  checkedAt: number;
  error: string | null;
}

/** Consumer-group lag per topic, so the dashboard can say when "real time" is behind. */
export async function pipelineHealth(bus: Bus, watches: readonly ConsumerGroupWatch[], now: number): Promise<PipelineHealth> {
  try {
    const groups = await Promise.all(
      watches.map(async ({ group, topics }) => {
        const lag = await bus.groupLag(group, topics);
        const perTopic = topics.map((topic) => {
          const partitions = lag.filter((p) => p.topic === topic);
          return { topic, lag: partitions.reduce((sum, p) => sum + p.lag, 0), partitions: partitions.length };
        });
        return { group, totalLag: perTopic.reduce((sum, t) => sum + t.lag, 0), topics: perTopic };
      }),
    );
    return { groups, checkedAt: now, error: null };
  } catch (error) {
    return { groups: [], checkedAt: now, error: error instanceof Error ? error.message : String(error) };
  }
}
