/**
 * `pulse <command>` exactly as bin/pulse.js runs it, except that every topic name Pulse uses
 * (user-activity, mouse-coordinates, page-views and their .dlq) starts with BENCH_TOPIC_PREFIX.
 * The ingest benchmark sends hundreds of thousands of events; on the shared topics they would
 * stay for a week and be replayed by every test or worker that reads those topics from the start.
 * The prefix is applied before any other module of Pulse is loaded, so every place that names a
 * topic sees the prefixed name.
 */
import { topics } from '../src/bus/topics.ts';

const prefix = process.env['BENCH_TOPIC_PREFIX'] ?? '';
if (!/^[A-Za-z0-9._-]*$/.test(prefix)) throw new RangeError(`BENCH_TOPIC_PREFIX must be a topic-name prefix, got ${prefix}`);
const names = topics as Record<keyof typeof topics, string>;
for (const key of Object.keys(names) as (keyof typeof topics)[]) names[key] = `${prefix}${names[key]}`;

const { main } = await import('../src/cli/main.ts');
await main(process.argv);
