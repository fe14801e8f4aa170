/**
 * Builds the browser tracker with esbuild: `dist/pulse.esm.js` (ES module)
 * and `dist/t.js` (minified IIFE for a `<script>` tag, the file ingest serves
 * at /t.js). `npm run build:tracker` writes both; ingest builds in memory when
 * esbuild is installed, so a fresh clone needs no build step.
 */
import { build, type BuildOptions } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const trackerDir = dirname(fileURLToPath(import.meta.url));
export const distDir = join(trackerDir, 'dist');

export interface TrackerBundle {
  /** ES module: `import { init } from '.../pulse.esm.js'`. */
  esm: string;
  /** Minified `<script>` build that initialises itself from data-* attributes. */
  iife: string;
}

const common: BuildOptions = {
  absWorkingDir: trackerDir,
  bundle: true,
  write: false,
  target: ['es2020'],
  legalComments: 'none',
  logLevel: 'silent',
  tsconfig: join(trackerDir, 'tsconfig.json'),
};

export async function buildTracker(): Promise<TrackerBundle> {
  const [esm, iife] = await Promise.all([
    build({ ...common, entryPoints: ['src/index.ts'], format: 'esm' }),
    build({ ...common, entryPoints: ['src/script.ts'], format: 'iife', minify: true }),
  ]);
  const text = (result: Awaited<ReturnType<typeof build>>) => result.outputFiles?.[0]?.text ?? '';
  return { esm: text(esm), iife: text(iife) };
}

export async function writeTracker(): Promise<{ file: string; bytes: number; gzipped: number }[]> {
  const bundle = await buildTracker();
  await mkdir(distDir, { recursive: true });
  const files = [
    { file: join(distDir, 'pulse.esm.js'), text: bundle.esm },
    { file: join(distDir, 't.js'), text: bundle.iife },
  ];
  for (const { file, text } of files) await writeFile(file, text);
  return files.map(({ file, text }) => ({ file, bytes: Buffer.byteLength(text), gzipped: gzipSync(text, { level: 9 }).length }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { file, bytes, gzipped } of await writeTracker()) console.log(`${file}  ${bytes} bytes, ${gzipped} gzipped`);
}
