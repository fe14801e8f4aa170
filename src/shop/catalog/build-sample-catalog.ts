/**
 * Rewrites sample-catalog.json from the recipes in sample-catalog.ts:
 *
 *   node src/shop/catalog/build-sample-catalog.ts
 *
 * The file is formatted with the repository's prettier settings, so it is ready to commit as is.
 * A unit test fails when the shipped file and the recipes drift apart.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { buildSampleCatalog } from './sample-catalog.ts';

const target = fileURLToPath(new URL('./sample-catalog.json', import.meta.url));
const products = buildSampleCatalog();
const options = await resolveConfig(target);
await writeFile(target, await format(JSON.stringify(products, null, 2), { ...options, filepath: target }));
console.log(`wrote ${products.length} products in ${new Set(products.map((p) => p.category)).size} categories to ${target}`);
