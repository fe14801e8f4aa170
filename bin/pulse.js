#!/usr/bin/env node
// The `pulse` command. Node 22.18+ runs the TypeScript sources directly (type stripping).
import { main } from '../src/cli/main.ts';

await main(process.argv);
