export { clickHouseWarehouseOver, createClickHouseWarehouse, EXPORT_PAGE_SIZE } from './clickhouse-warehouse.ts';
export type { ClickHouseWarehouse, ClickHouseWarehouseOptions } from './clickhouse-warehouse.ts';
export { ClickHouseQueryError, httpExecutor } from './executor.ts';
export type { ClickHouseExecutor, HttpExecutorOptions } from './executor.ts';
export { migrations } from './schema.ts';
