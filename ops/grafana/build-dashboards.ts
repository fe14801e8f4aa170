/**
 * Writes the Grafana dashboards and provisioning files of ops/grafana/ from their typed definitions:
 *
 *   node ops/grafana/build-dashboards.ts           write dashboards/*.json and provisioning/*.yml
 *   node ops/grafana/build-dashboards.ts --check   exit 1 (listing them) when a written file is out of date
 *
 * The output is formatted with the repository's Prettier settings, so `prettier --check .` passes and
 * a unit test (test/unit/ops/grafana-dashboards.test.ts) can compare the committed files with it.
 */
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import type { Dashboard } from './grafana.ts';
import { kafkaBrokersDashboard } from './kafka-brokers.ts';
import { pulseDashboard } from './pulse.ts';
import { dashboardsYaml, datasourcesYaml } from './provisioning.ts';

export const grafanaDir = dirname(fileURLToPath(import.meta.url));

/** The dashboards, by file name under dashboards/. */
export const dashboards = (): Record<string, Dashboard> => ({
  'kafka-brokers.json': kafkaBrokersDashboard(),
  'pulse.json': pulseDashboard(),
});

export interface GeneratedFile {
  /** Relative to ops/grafana/. */
  path: string;
  content: string;
}

async function formatted(path: string, text: string): Promise<string> {
  const filepath = join(grafanaDir, path);
  const options = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(text, { ...options, filepath });
}

/** Every file the generator owns, with its content: nothing is written. */
export async function generate(): Promise<GeneratedFile[]> {
  const raw: GeneratedFile[] = [
    ...Object.entries(dashboards()).map(([name, dashboard]) => ({
      path: `dashboards/${name}`,
      content: JSON.stringify(dashboard, null, 2),
    })),
    { path: 'provisioning/dashboards.yml', content: dashboardsYaml() },
    { path: 'provisioning/datasources.yml', content: datasourcesYaml() },
  ];
  return Promise.all(raw.map(async ({ path, content }) => ({ path, content: await formatted(path, content) })));
}

/** The generated files whose committed copy differs (or is missing). */
export async function outdated(files: readonly GeneratedFile[]): Promise<string[]> {
  const stale: string[] = [];
  for (const file of files) {
    const current = await readFile(join(grafanaDir, file.path), 'utf8').catch(() => undefined);
    if (current !== file.content) stale.push(file.path);
  }
  return stale;
}

async function main(args: readonly string[]): Promise<number> {
  const files = await generate();
  if (args.includes('--check')) {
    const stale = await outdated(files);
    for (const path of stale) console.error(`ops/grafana/${path} is out of date: run node ops/grafana/build-dashboards.ts`);
    return stale.length === 0 ? 0 : 1;
  }
  for (const file of files) {
    const target = join(grafanaDir, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content);
    console.log(`wrote ops/grafana/${file.path}`);
  }
  return 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
