export { createPgliteWarehouse, createPostgresWarehouse, warehouseOver, EXPORT_PAGE_SIZE } from './postgres-warehouse.ts';
export type { PgliteWarehouseOptions, PostgresWarehouse, PostgresWarehouseOptions } from './postgres-warehouse.ts';
export { loadMigrations, migrate, migrationsDir } from './migrations.ts';
export type { SqlExecutor, SqlSession } from './sql-executor.ts';
