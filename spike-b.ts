import { DuckDBInstance } from '@duckdb/node-api';
import { rmSync } from 'node:fs';
const rss = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const file = '/tmp/spike/b.duckdb';
const mode = process.argv[2];
if (mode === 'fill') {
  rmSync(file, { force: true }); rmSync(file + '.wal', { force: true });
  const inst = await DuckDBInstance.create(file, { threads: '2', memory_limit: '256MB' });
  const c = await inst.connect();
  await c.run(`CREATE TABLE ev (event_id VARCHAR PRIMARY KEY, received_at TIMESTAMPTZ, data VARCHAR)`);
  for (let i = 0; i < 10; i++) {
    await c.run(`INSERT INTO ev SELECT uuid()::VARCHAR, now() - INTERVAL (${i}) DAY, repeat('x', 600) FROM range(500000)`);
    console.log('filled', (i + 1) * 500000, 'rss', rss());
  }
  await c.run('CHECKPOINT');
  c.closeSync(); inst.closeSync();
} else {
  const inst = await DuckDBInstance.create(file, { threads: '2', memory_limit: '256MB' });
  const c = await inst.connect();
  console.log('open rss', rss());
  for (let i = 0; i < 20; i++) {
    await c.run(`INSERT OR IGNORE INTO ev SELECT uuid()::VARCHAR, now(), repeat('x', 600) FROM range(2000)`);
  }
  console.log('after 20 inserts rss', rss());
  const r = await c.runAndReadAll(`SELECT count(*) FROM ev`); console.log(r.getRowsJson());
  console.log((await c.runAndReadAll(`SELECT * FROM duckdb_memory() WHERE memory_usage_bytes > 0`)).getRowObjectsJson());
}
