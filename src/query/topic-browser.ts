import { randomUUID } from 'node:crypto';
import type { Bus, TopicInfo } from '../bus/bus.ts';
import { describeRecord } from '../bus/describe-record.ts';

/** What `pulse topics` and `pulse listen` read: the topic list and a live tail, from Kafka or a running instance. */
export interface TopicBrowser {
  readonly where: string;
  listTopics(): Promise<TopicInfo[]>;
  /** Records as JSON objects until `count` were read or `signal` aborts. */
  tail(topic: string, options: { from: 'earliest' | 'latest'; count?: number | undefined; signal: AbortSignal }): AsyncIterable<unknown>;
  close(): Promise<void>;
}

/** Straight on a bus (Kafka); closes the bus with it. */
export function busTopicBrowser(bus: Bus, where: string): TopicBrowser {
  return {
    where,
    listTopics: () => bus.listTopics(),
    async *tail(topic, options) {
      const subscription = await bus.subscribe({ group: `pulse-listen-${randomUUID()}`, topics: [topic], from: options.from });
      let seen = 0;
      try {
        while (!options.signal.aborted && seen < (options.count ?? Number.POSITIVE_INFINITY)) {
          for (const record of await subscription.poll(100, 500)) {
            yield describeRecord(record);
            seen += 1;
          }
        }
      } finally {
        await subscription.close();
      }
    },
    close: () => bus.close(),
  };
}

/** A running Pulse's topic API at `baseUrl` (an embedded log lives inside its process). */
export function httpTopicBrowser(baseUrl: string, adminToken: string | undefined): TopicBrowser {
  const headers: Record<string, string> = adminToken === undefined ? {} : { authorization: `Bearer ${adminToken}` };
  const call = async (path: string, signal?: AbortSignal): Promise<Response> => {
    const response = await fetch(`${baseUrl}${path}`, { headers, ...(signal === undefined ? {} : { signal }) }).catch((error: unknown) => {
      throw new Error(`no running Pulse at ${baseUrl} (start one with \`pulse start\`, or set PULSE_KAFKA_BROKERS): ${String(error)}`);
    });
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    return response;
  };
  return {
    where: baseUrl,
    listTopics: async () => ((await (await call('/api/topics')).json()) as { topics: TopicInfo[] }).topics,
    async *tail(topic, options) {
      const query = new URLSearchParams({ from: options.from, ...(options.count === undefined ? {} : { limit: String(options.count) }) });
      const response = await call(`/api/topics/${encodeURIComponent(topic)}/tail?${query.toString()}`, options.signal);
      const decoder = new TextDecoder();
      let pending = '';
      try {
        for await (const chunk of response.body ?? []) {
          pending += decoder.decode(chunk as Uint8Array, { stream: true });
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) if (line.trim() !== '') yield JSON.parse(line) as unknown;
        }
      } catch (error) {
        if (!options.signal.aborted) throw error;
      }
    },
    close: async () => {},
  };
}
