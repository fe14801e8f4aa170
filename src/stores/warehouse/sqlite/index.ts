export { createSqliteWarehouse, type SqliteWarehouse, type SqliteWarehouseOptions } from './sqlite-warehouse.ts';
