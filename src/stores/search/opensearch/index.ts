export { createOpenSearchIndex } from './opensearch-index.ts';
export type { OpenSearchIndex, OpenSearchIndexOptions } from './opensearch-index.ts';
export { OpenSearchBulkError, OpenSearchError, openSearchErrorKind } from './errors.ts';
export type { BulkFailure } from './errors.ts';
