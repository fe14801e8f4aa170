#!/usr/bin/env node
// The `pulse` command. Node 22.18+ runs the TypeScript sources directly (type stripping), here from a
// cache of stripped sources (typescript-cache.js), registered before any TypeScript module loads.
import './register-typescript-cache.js';

const { missingNodeFlags } = await import('../src/config/node-flags.ts');
const flags = missingNodeFlags(process.argv.slice(2), process.execArgv, process.env);
if (flags.length > 0 && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)], process.env);
}
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
