import { readFile } from 'node:fs/promises';
import { validateProductInput, type Product } from '../product.ts';
import { splitJsonArray, type CatalogError } from './json-array-elements.ts';

export type { CatalogError } from './json-array-elements.ts';

export interface ParsedCatalog {
  products: Product[];
  errors: CatalogError[];
}

interface Entry {
  line: number;
  text: string;
}

/** JSON Lines: one product a line; blank lines and `#` comments are skipped. */
function jsonLines(text: string): Entry[] {
  return text
    .split(/\r?\n/)
    .map((line, index) => ({ line: index + 1, text: line }))
    .filter((entry) => entry.text.trim() !== '' && !entry.text.trimStart().startsWith('#'));
}

function parseJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** A `.jsonl`/`.ndjson` file is JSON Lines whatever it starts with; any other file is an array if it starts with `[`. */
function isJsonArray(body: string, source: string): boolean {
  return !/\.(jsonl|ndjson)$/i.test(source) && body.trimStart().startsWith('[');
}

/**
 * Reads a user's product file (`source` is its name): JSON Lines, or a JSON array. Every product is
 * checked on its own, so one bad line is reported with its line number and the rest are kept.
 * Positions inside a JSON syntax message count from the start of that line or array element.
 */
export function parseCatalog(text: string, source: string, now: Date = new Date()): ParsedCatalog {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const split = isJsonArray(body, source) ? splitJsonArray(body) : { elements: jsonLines(body), errors: [] };
  const errors: CatalogError[] = [...split.errors];
  const products: Product[] = [];
  const firstLine = new Map<string, number>();
  for (const { line, text: element } of split.elements) {
    const parsed = parseJson(element);
    if ('error' in parsed) {
      errors.push({ line, message: parsed.error });
      continue;
    }
    const outcome = validateProductInput(parsed.value, now);
    if (outcome.kind !== 'ok') {
      errors.push({ line, message: outcome.reason });
      continue;
    }
    const id = outcome.value.product_id;
    const first = firstLine.get(id);
    if (first !== undefined) {
      errors.push({ line, message: `duplicate product_id ${JSON.stringify(id)} (first on line ${first})` });
      continue;
    }
    firstLine.set(id, line);
    products.push(outcome.value);
  }
  return { products, errors: errors.sort((a, b) => a.line - b.line) };
}

/** `file:line: message` lines for a person to read, at most `max` of them. */
export function formatCatalogErrors(source: string, errors: readonly CatalogError[], max = 20): string {
  const lines = errors.slice(0, max).map((error) => `${source}:${error.line}: ${error.message}`);
  if (errors.length > max) lines.push(`… and ${errors.length - max} more`);
  return lines.join('\n');
}

/** The demo catalog shipped beside this module; a broken shipped file is a bug, so it throws. */
export async function loadSampleCatalog(): Promise<Product[]> {
  const source = 'sample-catalog.json';
  const { products, errors } = parseCatalog(await readFile(new URL(`./${source}`, import.meta.url), 'utf8'), source);
  if (errors.length > 0) throw new Error(`the shipped sample catalog is invalid:\n${formatCatalogErrors(source, errors)}`);
  return products;
}
