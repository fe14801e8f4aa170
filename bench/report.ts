import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test/helpers/services.ts';

/** One line describing the machine, so numbers are never read without their context. */
export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${process.platform} ${process.arch}, Node ${process.version}`;
}

/**
 * Rewrites one section of BENCHMARKS.md (between its markers), keeping the
 * others, so each benchmark can be re-run on its own.
 */
export async function writeSection(name: string, markdown: string): Promise<void> {
  const file = join(repoRoot, 'BENCHMARKS.md');
  let text = await readFile(file, 'utf8').catch(
    () => '# Benchmarks\n\nEvery section is written by the benchmark named in it; re-run it to refresh the numbers.\n',
  );
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const at = text.indexOf(start);
  const stop = text.indexOf(end);
  text = at >= 0 && stop > at ? text.slice(0, at) + block + text.slice(stop + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(file, text);
}
