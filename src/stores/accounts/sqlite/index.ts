export { openSqliteAccountStore } from './sqlite-account-store.ts';
