// The same account tests on the PostgreSQL account store's SQL, on PGlite (embedded data directories made before SQLite).
process.env['PULSE_TEST_ACCOUNTS_ENGINE'] = 'pglite';
await import('./accounts.test.ts');
