import type { Bus } from '../bus/bus.ts';
import type { TopicNames } from '../bus/topics.ts';
import type {
  CategoryFigure,
  ClientQuery,
  QueryStats,
  QueryStatsRequest,
  SearchIndex,
  SearchRequest,
  SearchResult,
} from '../stores/search/search-index.ts';
import { busShopAdmin, type ShopAdmin } from './shop-admin.ts';
import { recommend, type Recommendation } from './recommend.ts';

/**
 * The marketplace's client API and shop operations over the bus and the search index. Every
 * search and recommendation is published to `client-queries` (seed 003) before it is answered.
 */
export interface ShopService extends ShopAdmin {
  search(request: SearchRequest & { userId: string }): Promise<SearchResult>;
  recommend(userId: string, limit: number): Promise<Recommendation>;
  categories(): Promise<CategoryFigure[]>;
  stats(request: QueryStatsRequest): Promise<QueryStats>;
}

export interface ShopServiceOptions {
  bus: Bus;
  index: SearchIndex;
  topics: TopicNames;
  now?: () => Date;
}

export function createShopService(options: ShopServiceOptions): ShopService {
  const { bus, index, topics } = options;
  const now = (): Date => options.now?.() ?? new Date();

  const publishQuery = async (query: ClientQuery): Promise<void> => {
    await bus.produce([{ topic: topics.clientQueries, key: query.data.user_id, value: JSON.stringify(query) }]);
  };

  return {
    async search(request) {
      const result = await index.search(request);
      await publishQuery({
        type: 'search',
        data: {
          action: 'search',
          query: request.q ?? '',
          user_id: request.userId,
          ...(request.category === undefined ? {} : { category: request.category }),
          ...(request.brand === undefined ? {} : { brand: request.brand }),
          results: result.total,
        },
        timestamp: now().toISOString(),
      });
      return result;
    },
    async recommend(userId, limit) {
      const answer = await recommend(index, userId, limit);
      await publishQuery({
        type: 'recommend',
        data: { action: 'recommend', query: '', user_id: userId, results: answer.products.length },
        timestamp: now().toISOString(),
      });
      return answer;
    },
    categories: () => index.categoryFigures(),
    stats: (request) => index.queryStats(request),
    ...busShopAdmin(bus, topics, now),
  };
}
