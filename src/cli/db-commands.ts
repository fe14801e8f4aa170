import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import { loadConfig, type Config } from '../config/config.ts';
import { csvRows, exportColumns } from '../query/admin-routes.ts';
import { openStores } from '../runtime/compose.ts';

const direct = (config: Config): boolean => config.PULSE_POSTGRES_URL !== undefined || config.PULSE_CLICKHOUSE_URL !== undefined;

const adminHeaders = (config: Config): Record<string, string> =>
  config.PULSE_ADMIN_TOKEN === undefined ? {} : { authorization: `Bearer ${config.PULSE_ADMIN_TOKEN}` };

async function call(url: string, init: RequestInit): Promise<Response> {
  const response = await fetch(url, init).catch((error: unknown) => {
    throw new Error(
      `no running Pulse at ${new URL(url).origin} (start one with \`pulse start\`, or set PULSE_POSTGRES_URL / PULSE_CLICKHOUSE_URL): ${String(error)}`,
    );
  });
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  return response;
}

const isoDate = (value: string): string => {
  if (Number.isNaN(Date.parse(value))) throw new Error(`not a date: ${value} (use ISO-8601, e.g. 2026-11-23T00:00:00Z)`);
  return new Date(value).toISOString();
};

/**
 * `pulse db …`: with PULSE_POSTGRES_URL / PULSE_CLICKHOUSE_URL (and PULSE_REDIS_URL) set, it works on
 * those stores directly; otherwise on the running embedded instance over its admin API, since
 * PGlite can be opened by one process only.
 */
export function registerDbCommands(program: Command, embeddedUrl: (config: Config) => string): void {
  const db = program.command('db').description('stored history: migrate, counts, export, erase a visitor (GDPR)');

  db.command('migrate')
    .description('create or upgrade the warehouse schemas (pulse start and the workers also do it when they start)')
    .action(async () => {
      const config = loadConfig();
      if (!direct(config)) {
        console.log('embedded mode: `pulse start` migrates its PGlite database at every start; nothing to do');
        return;
      }
      const stores = await openStores(config);
      await stores.close();
      console.log(`migrated: ${stores.warehouses.map((w) => w.kind).join(', ')}`);
    });

  db.command('counts')
    .description('row counts per table (seed 001 test_db.py)')
    .action(async () => {
      const config = loadConfig();
      let counts: Record<string, Record<string, number>>;
      if (direct(config)) {
        const stores = await openStores(config);
        try {
          counts = Object.fromEntries(await Promise.all(stores.warehouses.map(async (w) => [w.kind, await w.counts()] as const)));
        } finally {
          await stores.close();
        }
      } else {
        const response = await call(`${embeddedUrl(config)}/api/admin/counts`, { headers: adminHeaders(config) });
        counts = ((await response.json()) as { warehouses: Record<string, Record<string, number>> }).warehouses;
      }
      for (const [kind, tables] of Object.entries(counts)) {
        for (const [table, rows] of Object.entries(tables)) console.log(`${kind.padEnd(11)} ${table.padEnd(28)} ${rows}`);
      }
    });

  db.command('export')
    .description('stored events of a time range as CSV or NDJSON, oldest first')
    .option('--from <time>', 'start, ISO-8601 (default: the beginning)')
    .option('--to <time>', 'end, exclusive, ISO-8601 (default: now)')
    .option('--site <key>', 'only this site')
    .option('--format <format>', 'csv or ndjson', 'ndjson')
    .option('--out <file>', 'write to a file instead of standard output')
    .action(async (options: { from?: string; to?: string; site?: string; format: string; out?: string }) => {
      if (options.format !== 'csv' && options.format !== 'ndjson') throw new Error('--format must be csv or ndjson');
      const config = loadConfig();
      const out = options.out === undefined ? process.stdout : createWriteStream(options.out);
      const write = (chunk: string) =>
        new Promise<void>((resolve, reject) => out.write(chunk, (error) => (error ? reject(error) : resolve())));
      let rows = 0;
      if (direct(config)) {
        const stores = await openStores(config);
        try {
          const warehouse = stores.warehouses[0];
          if (warehouse === undefined) throw new Error('no warehouse configured');
          if (options.format === 'csv') await write(stringify([exportColumns as unknown as string[]]));
          const range = {
            from: options.from === undefined ? 0 : Date.parse(isoDate(options.from)),
            to: options.to === undefined ? Date.now() : Date.parse(isoDate(options.to)),
            site: options.site,
          };
          for await (const page of warehouse.exportEvents(range)) {
            await write(options.format === 'csv' ? csvRows(page) : page.map((e) => `${JSON.stringify(e)}\n`).join(''));
            rows += page.length;
          }
        } finally {
          await stores.close();
        }
      } else {
        const query = new URLSearchParams({ format: options.format });
        if (options.from !== undefined) query.set('from', isoDate(options.from));
        if (options.to !== undefined) query.set('to', isoDate(options.to));
        if (options.site !== undefined) query.set('site', options.site);
        const response = await call(`${embeddedUrl(config)}/api/admin/export?${query.toString()}`, { headers: adminHeaders(config) });
        const decoder = new TextDecoder();
        for await (const chunk of response.body ?? []) {
          const text = decoder.decode(chunk as Uint8Array, { stream: true });
          rows += text.split('\n').length - 1;
          await write(text);
        }
        if (options.format === 'csv') rows -= 1;
      }
      if (options.out !== undefined) {
        await new Promise<void>((resolve) => out.end(resolve));
        console.error(`${rows} event(s) written to ${options.out}`);
      }
    });

  db.command('forget')
    .description('erase one visitor from every store Pulse writes (Redis, PostgreSQL, ClickHouse / the embedded stores)')
    .requiredOption('--site <key>', 'site key')
    .requiredOption('--user <id>', 'the visitor’s user_id')
    .action(async (options: { site: string; user: string }) => {
      const config = loadConfig();
      let removed: Record<string, number>;
      if (direct(config) || config.PULSE_REDIS_URL !== undefined) {
        const stores = await openStores(config);
        try {
          removed = {};
          if (stores.realtime !== undefined) removed['realtime'] = await stores.realtime.forgetUser(options.site, options.user);
          for (const warehouse of stores.warehouses) removed[warehouse.kind] = await warehouse.forgetUser(options.site, options.user);
        } finally {
          await stores.close();
        }
      } else {
        const query = new URLSearchParams({ site: options.site });
        const response = await call(`${embeddedUrl(config)}/api/admin/users/${encodeURIComponent(options.user)}?${query.toString()}`, {
          method: 'DELETE',
          headers: adminHeaders(config),
        });
        removed = ((await response.json()) as { removed: Record<string, number> }).removed;
      }
      for (const [store, count] of Object.entries(removed)) console.log(`${store.padEnd(11)} ${count} removed`);
    });
}
