import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/config.ts';
import type { Running } from '../runtime/lifecycle.ts';
import type { BanKind } from '../shop/ban-rules.ts';
import { catalogUpdates } from '../shop/catalog-updates.ts';
import { formatCatalogErrors, loadSampleCatalog, parseCatalog } from '../shop/catalog/read-catalog.ts';
import type { Product } from '../shop/product.ts';

const positiveNumber = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};
const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};

interface BanTarget {
  id?: string;
  brand?: string;
  pattern?: string;
}

function banTarget(options: BanTarget): { kind: BanKind; value: string } {
  const given = (['id', 'brand', 'pattern'] as const).flatMap((kind) =>
    options[kind] === undefined ? [] : [{ kind, value: options[kind] }],
  );
  if (given.length !== 1) throw new InvalidArgumentError('give exactly one of --id, --brand, --pattern');
  return given[0] as { kind: BanKind; value: string };
}

async function readProducts(file: string | undefined): Promise<Product[]> {
  if (file === undefined) return loadSampleCatalog();
  const { products, errors } = parseCatalog(await readFile(file, 'utf8'), file);
  if (errors.length > 0) throw new Error(`${errors.length} invalid line(s), nothing published:\n${formatCatalogErrors(file, errors)}`);
  return products;
}

/** `pulse shop …`: the marketplace (seed 003) — the shop emulator, bans, the client API and its processes. */
export function shopCommand(run: (start: () => Promise<Running>) => Promise<void>): Command {
  const shop = new Command('shop').description(
    'the marketplace: publish the catalog, ban products, search and recommend (Kafka when PULSE_KAFKA_BROKERS is set, else the running Pulse at PULSE_URL)',
  );

  shop
    .command('emit')
    .description('publish the shipped sample catalog (or --file, JSON array or JSON Lines, every line validated) to `products`')
    .option('--file <path>', 'products to publish instead of the sample catalog')
    .option('--updates', 'then keep publishing price and stock changes')
    .option('--rate <n>', 'changes per second with --updates', positiveNumber, 5)
    .option('--count <n>', 'stop after n changes with --updates', positiveInt)
    .option('--seed <n>', 'seed of the changes', positiveInt, 1)
    .action(async (options: { file?: string; updates?: boolean; rate: number; count?: number; seed: number }) => {
      const products = await readProducts(options.file);
      const admin = (await import('../runtime/cli-ports.ts')).openShopAdmin(loadConfig());
      try {
        const published = await admin.publishProducts(products);
        console.log(`published ${published} products to ${admin.where}`);
        if (options.updates !== true) return;
        const abort = new AbortController();
        process.once('SIGINT', () => abort.abort());
        const limit = options.count ?? Number.POSITIVE_INFINITY;
        const perTick = Math.max(1, Math.round(options.rate / 10));
        const tickMs = (perTick / options.rate) * 1000;
        const changes = catalogUpdates(products, options.seed);
        let sent = 0;
        let lastReport = Date.now();
        const started = Date.now();
        while (!abort.signal.aborted && sent < limit) {
          const batch: Product[] = [];
          while (batch.length < perTick && sent + batch.length < limit) batch.push(changes.next().value as Product);
          await admin.publishProducts(batch);
          sent += batch.length;
          if (Date.now() - lastReport >= 5000 || sent >= limit) {
            lastReport = Date.now();
            console.log(`updates: ${sent} changes published (${(sent / ((Date.now() - started) / 1000)).toFixed(1)}/s)`);
          }
          // Paced against the start, so slow publishes do not lower the rate.
          const due = started + (sent / options.rate) * 1000 - Date.now();
          if (due > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(due, tickMs * 10)));
        }
      } finally {
        await admin.close();
      }
    });

  const target = (command: Command): Command =>
    command
      .option('--id <productId>', 'one product')
      .option('--brand <brand>', 'every product of a brand (any letter case)')
      .option('--pattern <glob>', 'products whose name matches, `*` for any text (any letter case), e.g. "*replica*"');

  target(shop.command('ban').description('ban products: they never reach filtered-products or search, and are withdrawn if already there'))
    .option('--reason <text>', 'why (kept with the ban)')
    .action(async (options: BanTarget & { reason?: string }) => {
      const { kind, value } = banTarget(options);
      const admin = (await import('../runtime/cli-ports.ts')).openShopAdmin(loadConfig());
      try {
        const rule = await admin.ban(kind, value, options.reason);
        console.log(`banned ${rule.kind} ${JSON.stringify(rule.value)}`);
      } finally {
        await admin.close();
      }
    });

  target(shop.command('unban').description('lift a ban; the next version of its products passes')).action(async (options: BanTarget) => {
    const { kind, value } = banTarget(options);
    const admin = (await import('../runtime/cli-ports.ts')).openShopAdmin(loadConfig());
    try {
      const lifted = await admin.unban(kind, value);
      console.log(lifted ? `unbanned ${kind} ${JSON.stringify(value)}` : `no ban on ${kind} ${JSON.stringify(value)}`);
    } finally {
      await admin.close();
    }
  });

  shop
    .command('banned')
    .description('list the bans')
    .action(async () => {
      const admin = (await import('../runtime/cli-ports.ts')).openShopAdmin(loadConfig());
      try {
        const bans = await admin.bans();
        for (const ban of bans)
          console.log(`${ban.kind.padEnd(8)} ${JSON.stringify(ban.value).padEnd(32)} ${ban.created_at} ${ban.reason ?? ''}`.trimEnd());
        if (bans.length === 0) console.log('no bans');
      } finally {
        await admin.close();
      }
    });

  shop
    .command('search')
    .description('search the catalog (published to client-queries, as every client query)')
    .requiredOption('--name <text>', 'what to look for, e.g. "Умные часы"')
    .option('--category <category>', 'only this category')
    .option('--brand <brand>', 'only this brand')
    .option('--user-id <id>', 'who searches', 'cli')
    .option('--limit <n>', 'results', positiveInt, 10)
    .option('--json', 'print the whole answer as JSON')
    .action(async (options: { name: string; category?: string; brand?: string; userId: string; limit: number; json?: boolean }) => {
      const result = await (await import('../runtime/cli-ports.ts')).openShopClient(loadConfig()).search({ q: options.name, ...options });
      if (options.json === true) return void console.log(JSON.stringify(result, null, 2));
      console.log(`${result.total} found`);
      for (const { product } of result.hits) {
        console.log(
          `${product.product_id.padEnd(8)} ${product.name} — ${product.brand}, ${product.category}, ${product.price.amount} ${product.price.currency}`,
        );
      }
      const facet = (name: string, rows: { value: string; count: number }[]) =>
        rows.length === 0 ? '' : `${name}: ${rows.map((r) => `${r.value} (${r.count})`).join(', ')}`;
      for (const line of [facet('categories', result.facets.category), facet('brands', result.facets.brand)])
        if (line !== '') console.log(line);
    });

  shop
    .command('recommend')
    .description("products for a user, from the user's searches (published to client-queries)")
    .requiredOption('--user-id <id>', 'e.g. user123')
    .option('--limit <n>', 'products', positiveInt, 10)
    .option('--json', 'print the whole answer as JSON')
    .action(async (options: { userId: string; limit: number; json?: boolean }) => {
      const answer = await (await import('../runtime/cli-ports.ts')).openShopClient(loadConfig()).recommend(options.userId, options.limit);
      if (options.json === true) return void console.log(JSON.stringify(answer, null, 2));
      console.log(
        `for ${answer.user_id} (${answer.basis === 'searches' ? 'from their searches' : 'top categories'}): ${answer.categories.join(', ')}`,
      );
      for (const product of answer.products)
        console.log(
          `${product.product_id.padEnd(8)} ${product.name} — ${product.category}, ${product.price.amount} ${product.price.currency}`,
        );
    });

  shop
    .command('filter')
    .description('run a banned-products filter: products → filtered-products (a consumer group member; needs PULSE_KAFKA_BROKERS)')
    .action(() => run(async () => (await import('../runtime/distributed.ts')).startShopFilter(loadConfig())));

  shop
    .command('analytics')
    .description('run the category analytics: filtered-products → recommendations (needs PULSE_KAFKA_BROKERS)')
    .action(() => run(async () => (await import('../runtime/distributed.ts')).startShopAnalytics(loadConfig())));

  return shop;
}
