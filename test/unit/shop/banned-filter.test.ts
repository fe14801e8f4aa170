import { test } from 'node:test';
import { shopTopicSpecs, topicNames } from '../../../src/bus/topics.ts';
import { loadConfig } from '../../../src/config/config.ts';
import { openBus } from '../../helpers/embedded-bus.ts';
import { runFilterScenario, startFilterInstance } from '../../helpers/shop-filter-scenario.ts';

test(
  'embedded bus: banned products never pass, a ban while running withdraws, an unban lets the next version through, one of two instances stopped mid-stream',
  { timeout: 120_000 },
  async (t) => {
    const bus = await openBus(t);
    const topics = topicNames('');
    await bus.ensureTopics(shopTopicSpecs(loadConfig({ PULSE_PARTITIONS: '3' })));
    await runFilterScenario({
      bus,
      topics,
      timeoutMs: 30_000,
      // The embedded log lives in this process, so the second member cannot be SIGKILLed: it is stopped mid-stream.
      startSecond: async () => {
        const instance = await startFilterInstance(bus, topics);
        let stopped = false;
        return {
          kill: async () => {
            if (stopped) return;
            stopped = true;
            await instance.stop();
          },
        };
      },
    });
  },
);
