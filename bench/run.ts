/**
 * `npm run bench -- <name…>`: runs the named benchmarks (all, in this order, when none is named);
 * each rewrites its own BENCHMARKS.md section. A benchmark that fails is reported and the others
 * still run; the exit code is 1 if any failed. Needs the services: `npm run stack -- up`.
 */
const benchmarks: Record<string, string> = {
  'kafka-produce': './kafka-produce.ts',
  'realtime-worker': './realtime-worker.ts',
  'ingest-http': './ingest-http.ts',
  'ingest-vs-producer-perf': './ingest-vs-producer-perf.ts',
  'e2e-latency': './e2e-latency.ts',
  warehouse: './warehouse.ts',
  search: './search.ts',
  'kafka-page': './kafka-page.ts',
  auth: './auth.ts',
  'product-analytics': './product-analytics.ts',
  embedded: './embedded.ts',
  'embedded-warehouse': './embedded-warehouse.ts',
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}

const names = wanted.length > 0 ? wanted : Object.keys(benchmarks);
const outcomes: string[] = [];
const began = performance.now();
const minutes = (ms: number): string => `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
for (const [index, name] of names.entries()) {
  console.error(`== [${index + 1}/${names.length}] ${name}`);
  const start = performance.now();
  try {
    await import(benchmarks[name] as string);
    outcomes.push(`ok      ${name} (${minutes(performance.now() - start)})`);
  } catch (error) {
    console.error(`== ${name} failed:`, error);
    outcomes.push(`FAILED  ${name} (${minutes(performance.now() - start)}): ${error instanceof Error ? error.message : String(error)}`);
  }
  console.error(`== ${name} done in ${minutes(performance.now() - start)}`);
}
console.error(
  `== ${names.length} benchmark(s) in ${minutes(performance.now() - began)} (each one that succeeded rewrote its BENCHMARKS.md section)`,
);
for (const line of outcomes) console.error(`   ${line}`);
// A failed benchmark may have left a client open; the run is over either way.
process.exit(outcomes.some((line) => line.startsWith('FAILED')) ? 1 : 0);
