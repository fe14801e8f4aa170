import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { loadConfig } from '../config/config.ts';
import type { DataAdmin } from '../query/data-admin.ts';

const isoTime = (value: string): number => {
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new Error(`not a date: ${value} (use ISO-8601, e.g. 2026-11-23T00:00:00Z)`);
  return at;
};

async function withAdmin<T>(work: (admin: DataAdmin) => Promise<T>): Promise<T> {
  const { openDataAdmin } = await import('../runtime/cli-ports.ts');
  const admin = await openDataAdmin(loadConfig());
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

/**
 * `pulse db …`: with PULSE_POSTGRES_URL / PULSE_CLICKHOUSE_URL (and PULSE_REDIS_URL) set, it works on
 * those stores directly; otherwise on the running embedded instance over its admin API.
 */
export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('stored history: migrate, counts, export, erase a visitor (GDPR)');

  db.command('migrate')
    .description('create or upgrade the warehouse schemas (pulse start and the workers also do it when they start)')
    .action(() =>
      withAdmin(async (admin) => {
        const migrated = await admin.migrate();
        console.log(
          migrated.length === 0
            ? `embedded mode (${admin.where}): \`pulse start\` migrates its database at every start; nothing to do`
            : `migrated: ${migrated.join(', ')}`,
        );
      }),
    );

  db.command('counts')
    .description('row counts per table')
    .action(() =>
      withAdmin(async (admin) => {
        for (const [kind, tables] of Object.entries(await admin.counts())) {
          for (const [table, rows] of Object.entries(tables)) console.log(`${kind.padEnd(11)} ${table.padEnd(28)} ${rows}`);
        }
      }),
    );

  db.command('export')
    .description('stored events of a time range as CSV or NDJSON, oldest first')
    .option('--from <time>', 'start, ISO-8601 (default: the beginning)')
    .option('--to <time>', 'end, exclusive, ISO-8601 (default: now)')
    .option('--site <key>', 'only this site')
    .option('--format <format>', 'csv or ndjson', 'ndjson')
    .option('--out <file>', 'write to a file instead of standard output')
    .action(async (options: { from?: string; to?: string; site?: string; format: string; out?: string }) => {
      if (options.format !== 'csv' && options.format !== 'ndjson') throw new Error('--format must be csv or ndjson');
      const format = options.format;
      const range = {
        from: options.from === undefined ? 0 : isoTime(options.from),
        to: options.to === undefined ? Date.now() : isoTime(options.to),
        site: options.site,
      };
      const out = options.out === undefined ? process.stdout : createWriteStream(options.out);
      const write = (chunk: string) =>
        new Promise<void>((resolve, reject) => out.write(chunk, (error) => (error ? reject(error) : resolve())));
      let lines = 0;
      await withAdmin(async (admin) => {
        for await (const chunk of admin.exportText(range, format)) {
          lines += chunk.split('\n').length - 1;
          await write(chunk);
        }
      });
      if (options.out !== undefined) {
        await new Promise<void>((resolve) => out.end(resolve));
        console.error(`${format === 'csv' ? lines - 1 : lines} event(s) written to ${options.out}`);
      }
    });

  db.command('forget')
    .description('erase one visitor from every store Pulse writes (Redis, PostgreSQL, ClickHouse / the embedded stores)')
    .requiredOption('--site <key>', 'site key')
    .requiredOption('--user <id>', 'the visitor’s user_id')
    .action((options: { site: string; user: string }) =>
      withAdmin(async (admin) => {
        for (const [store, count] of Object.entries(await admin.forget(options.site, options.user))) {
          console.log(`${store.padEnd(11)} ${count} removed`);
        }
      }),
    );
}
