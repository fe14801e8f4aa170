import type { Dirent } from 'node:fs';
import { readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { Gauge, type Registry } from 'prom-client';
import { metricOn } from '../../shared/metrics.ts';

/**
 * The topic of a partition directory of the embedded log (`<topic>-<partition>`, see
 * topic-registry.ts), or undefined for anything else.
 */
export function topicOfPartitionDir(name: string): string | undefined {
  const at = name.lastIndexOf('-');
  if (at <= 0 || !/^\d+$/.test(name.slice(at + 1))) return undefined;
  return name.slice(0, at);
}

/** Bytes on disk of each topic of the embedded log in `dir` (its segment and index files). */
export async function logBytesByTopic(dir: string): Promise<Map<string, number>> {
  const bytes = new Map<string, number>();
  const topicsDir = join(dir, 'topics');
  const partitions = await readdirOrEmpty(topicsDir);
  await Promise.all(
    partitions.map(async (entry) => {
      const topic = entry.isDirectory() ? topicOfPartitionDir(entry.name) : undefined;
      if (topic === undefined) return;
      const path = join(topicsDir, entry.name);
      const files = await readdirOrEmpty(path);
      const sizes = await Promise.all(
        files.map((file) =>
          file.isFile()
            ? stat(join(path, file.name)).then(
                (s) => s.size,
                () => 0,
              )
            : 0,
        ),
      );
      bytes.set(topic, (bytes.get(topic) ?? 0) + sizes.reduce((sum, n) => sum + n, 0));
    }),
  );
  return bytes;
}

/** Free (for unprivileged users) and total bytes of the filesystem holding `dir`. */
export async function diskSpace(dir: string): Promise<{ free: number; size: number }> {
  const fs = await statfs(dir);
  return { free: fs.bavail * fs.bsize, size: fs.blocks * fs.bsize };
}

/**
 * `pulse_embedded_log_bytes{topic}`, `pulse_embedded_disk_free_bytes` and
 * `pulse_embedded_disk_size_bytes` of the embedded log in `dir`, measured when scraped (no timer,
 * nothing on the event path). Topics are Pulse's own, a bounded set.
 */
export function registerEmbeddedDiskMetrics(registry: Registry, dir: string): void {
  metricOn(
    registry,
    'pulse_embedded_log_bytes',
    () =>
      new Gauge({
        name: 'pulse_embedded_log_bytes',
        help: 'Bytes on disk of the embedded event log, by topic',
        labelNames: ['topic'],
        registers: [registry],
        async collect() {
          const bytes = await logBytesByTopic(dir);
          this.reset();
          for (const [topic, n] of bytes) this.set({ topic }, n);
        },
      }),
  );
  const measure = () => diskSpace(dir).catch(() => undefined);
  metricOn(
    registry,
    'pulse_embedded_disk_free_bytes',
    () =>
      new Gauge({
        name: 'pulse_embedded_disk_free_bytes',
        help: 'Free bytes (available to Pulse) on the filesystem of the embedded event log',
        registers: [registry],
        async collect() {
          const measured = await measure();
          if (measured !== undefined) this.set(measured.free);
        },
      }),
  );
  metricOn(
    registry,
    'pulse_embedded_disk_size_bytes',
    () =>
      new Gauge({
        name: 'pulse_embedded_disk_size_bytes',
        help: 'Size in bytes of the filesystem of the embedded event log',
        registers: [registry],
        async collect() {
          const measured = await measure();
          if (measured !== undefined) this.set(measured.size);
        },
      }),
  );
}

async function readdirOrEmpty(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
