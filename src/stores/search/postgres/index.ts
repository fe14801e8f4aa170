export { createPostgresSearchIndex, MAX_FUZZY_WORD_LENGTH } from './postgres-search-index.ts';
export type { PostgresSearchIndexOptions } from './postgres-search-index.ts';
export { connectPostgresSearchIndex, openPgliteSearchIndex, pgliteSearchExtensions } from './search-index-factories.ts';
export type { PgliteSearchIndexOptions, PostgresSearchIndexConnection } from './search-index-factories.ts';
export { migrateSearch, searchMigrationsDir } from './search-migrations.ts';
