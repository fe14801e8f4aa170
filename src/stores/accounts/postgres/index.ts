export {
  accountMigrationsDir,
  connectPostgresAccountStore,
  createPostgresAccountStore,
  openPgliteAccountStore,
} from './postgres-account-store.ts';
