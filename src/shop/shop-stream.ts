import type { FastifyInstance } from 'fastify';
import { eventStreamResponse } from '../http/api-contract.ts';
import type { CategoryFigure, QueryStats } from '../stores/search/search-index.ts';
import type { ShopService } from './shop-service.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** What one `shop` event carries: the catalog's per-category figures and the last hour of queries by minute. */
export interface ShopStreamUpdate {
  categories: CategoryFigure[];
  /** The same shape as GET /api/shop/stats. */
  stats: QueryStats & { from: number; to: number; bucketMs: number };
}

export interface ShopStreamOptions {
  /** Time between pushes to one client; default 2000 ms. */
  intervalMs?: number;
  now?: () => number;
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * `GET /api/shop/stream`: server-sent events for the dashboard's Shop view. Each client gets a
 * `shop` event on connect and then every `intervalMs`; when a read fails it gets an `error`
 * event with `{message}` instead and the stream goes on. Clients connected at the same time
 * share one read per tick, and a slow client is skipped rather than buffered for.
 */
export function registerShopStream(
  app: FastifyInstance,
  shop: Pick<ShopService, 'categories' | 'stats'>,
  options: ShopStreamOptions = {},
): void {
  const intervalMs = options.intervalMs ?? 2000;
  const now = options.now ?? Date.now;
  /** The read in flight or just done: clients ticking together get one answer from the stores. */
  let shared: { at: number; answer: Promise<ShopStreamUpdate> } | undefined;

  const read = (): Promise<ShopStreamUpdate> => {
    const at = now();
    if (shared !== undefined && at - shared.at < intervalMs / 2) return shared.answer;
    const to = at;
    const from = to - HOUR;
    const answer = Promise.all([shop.categories(), shop.stats({ from, to, bucketMs: MINUTE, limit: 10 })]).then(([categories, stats]) => ({
      categories,
      stats: { from, to, bucketMs: MINUTE, ...stats },
    }));
    shared = { at, answer };
    return answer;
  };

  app.get(
    '/api/shop/stream',
    {
      schema: {
        tags: ['shop'],
        summary: 'Server-sent events: a `shop` event every 2 s with the category figures and the last hour of search statistics',

        response: {
          200: eventStreamResponse(
            ['shop', 'error'],
            'A `shop` event every 2 s (categories and search statistics); `error` when a read fails, and the stream goes on.',
          ),
        },
      },
    },
    async (request, reply) => {
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      out.write('retry: 2000\n\n');
      let open = true;
      let busy = false;
      const send = (event: string, data: unknown): void => {
        if (open && !out.destroyed) out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const push = async (): Promise<void> => {
        // One read at a time per client, and none while the client has not taken the last one.
        if (busy || !open || out.writableNeedDrain) return;
        busy = true;
        try {
          send('shop', await read());
        } catch (error) {
          request.log.warn({ err: error }, 'shop stream read failed');
          send('error', { message: errorMessage(error) });
        } finally {
          busy = false;
        }
      };
      const timer = setInterval(() => void push(), intervalMs);
      const stop = (): void => {
        open = false;
        clearInterval(timer);
      };
      out.on('close', stop);
      out.on('error', stop);
      void push();
      return reply;
    },
  );
}
