/**
 * `npm run build:dashboard`: builds the dashboard with Vite into
 * dist/dashboard/ and writes brotli and gzip copies of each file for the
 * server to send. Skips the build when nothing it depends on changed (a hash
 * of the web sources and of the Vite, Rollup and Chart.js versions is kept in
 * dist/dashboard/.build-stamp), so `npm start` and the tests can call it
 * every time. The new build replaces the old one in a single rename, so a
 * running Pulse never serves half a build.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { build } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
export const webDir = join(here, 'web');
export const defaultOutDir = join(repoRoot, 'dist', 'dashboard');
const STAMP = '.build-stamp';

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

/** What the build depends on: the web sources, this script, and the versions of the tools and libraries bundled. */
export async function inputHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [...(await listFiles(webDir)), fileURLToPath(import.meta.url)]) {
    hash
      .update(relative(repoRoot, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  }
  for (const name of ['vite', 'rollup', 'chart.js']) {
    const manifest = await readFile(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8').catch(() => '{}');
    hash.update(`${name}@${(JSON.parse(manifest) as { version?: string }).version ?? '?'}\0`);
  }
  return hash.digest('hex');
}

export interface BuiltFile {
  file: string;
  bytes: number;
  brotli: number;
  gzip: number;
}

export interface BuildResult {
  outDir: string;
  /** False when the previous build was still current. */
  built: boolean;
  ms: number;
  files: BuiltFile[];
}

async function compressAll(dir: string): Promise<BuiltFile[]> {
  const files: BuiltFile[] = [];
  for (const path of await listFiles(dir)) {
    if (!/\.(js|css|html|svg|json)$/.test(path)) continue;
    const body = await readFile(path);
    const [br, gzipped] = await Promise.all([
      brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
      gz(body, { level: 9 }),
    ]);
    // Only worth sending when it saves something.
    if (br.length < body.length) await writeFile(`${path}.br`, br);
    if (gzipped.length < body.length) await writeFile(`${path}.gz`, gzipped);
    files.push({ file: relative(dir, path), bytes: body.length, brotli: br.length, gzip: gzipped.length });
  }
  return files;
}

async function readBuilt(dir: string): Promise<BuiltFile[]> {
  const files: BuiltFile[] = [];
  for (const path of await listFiles(dir)) {
    if (/\.(br|gz)$/.test(path)) continue;
    const size = async (file: string) => (await stat(file).catch(() => undefined))?.size;
    const bytes = (await size(path)) ?? 0;
    files.push({
      file: relative(dir, path),
      bytes,
      brotli: (await size(`${path}.br`)) ?? bytes,
      gzip: (await size(`${path}.gz`)) ?? bytes,
    });
  }
  return files;
}

export async function buildDashboard(options: { outDir?: string; force?: boolean } = {}): Promise<BuildResult> {
  const started = performance.now();
  const outDir = options.outDir ?? defaultOutDir;
  const hash = await inputHash();
  const previous = await readFile(join(outDir, STAMP), 'utf8').catch(() => '');
  const hasIndex = (await stat(join(outDir, 'index.html')).catch(() => undefined)) !== undefined;
  if (options.force !== true && previous.trim() === hash && hasIndex) {
    return { outDir, built: false, ms: performance.now() - started, files: await readBuilt(outDir) };
  }

  const staging = `${outDir}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    await build({
      configFile: join(webDir, 'vite.config.ts'),
      configLoader: 'native', // Node runs the .ts config itself; nothing is written next to it
      logLevel: 'warn',
      build: { outDir: staging, emptyOutDir: true },
    });
    const files = await compressAll(staging);
    await writeFile(join(staging, STAMP), `${hash}\n`);
    const retired = `${outDir}.old-${process.pid}`;
    await rename(outDir, retired).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    });
    await rename(staging, outDir);
    await rm(retired, { recursive: true, force: true });
    return { outDir, built: true, ms: performance.now() - started, files };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await buildDashboard({ force: process.argv.includes('--force') });
  const where = relative(process.cwd(), result.outDir) || '.';
  console.log(`dashboard: ${result.built ? 'built' : 'up to date'} in ${(result.ms / 1000).toFixed(2)} s → ${where}/`);
  for (const file of result.files)
    console.log(
      `  ${file.file.padEnd(40)} ${kb(file.bytes).padStart(10)}  br ${kb(file.brotli).padStart(9)}  gzip ${kb(file.gzip).padStart(9)}`,
    );
}
