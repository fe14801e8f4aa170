/** `npm run bench -- <name…>`: runs the named benchmarks (all when none is named); each rewrites its BENCHMARKS.md section. */
const benchmarks: Record<string, string> = {
  'kafka-produce': './kafka-produce.ts',
  'realtime-worker': './realtime-worker.ts',
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : Object.keys(benchmarks)) {
  console.error(`== ${name}`);
  await import(benchmarks[name] as string);
}
