import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno, writeFileAtomic } from './atomic-file.ts';
import type { EmbeddedBusLogger } from './options.ts';

export interface OffsetUpdate {
  topic: string;
  partition: number;
  /** Position to resume from: the offset after the last processed record. */
  offset: number;
}

interface GroupOffsets {
  offsets: Map<string, Map<number, number>>;
  /** Bumped per change; a write persists everything up to the version it started with. */
  version: number;
  persistedVersion: number;
  writing: Promise<void> | null;
}

/**
 * Committed positions per consumer group, one JSON file per group under `groups/`, replaced
 * atomically (temp file + rename) so a crash leaves the previous commit, never a torn file.
 * Commits that arrive while a write is in flight are folded into the next write.
 */
export class OffsetStore {
  private readonly dir: string;
  private readonly fsync: boolean;
  private readonly logger: EmbeddedBusLogger;
  private readonly groups = new Map<string, Promise<GroupOffsets>>();
  private readonly resolved = new Map<string, GroupOffsets>();
  /** Group name of each offsets file already read (names are hashed into file names). */
  private readonly fileGroups = new Map<string, string>();

  constructor(dir: string, fsync: boolean, logger: EmbeddedBusLogger) {
    this.dir = join(dir, 'groups');
    this.fsync = fsync;
    this.logger = logger;
  }

  /** Loads a group's offsets once; afterwards `committed` answers synchronously. */
  async load(group: string): Promise<void> {
    await this.state(group);
  }

  /** Requires `load(group)` to have completed. */
  committed(group: string, topic: string, partition: number): number | undefined {
    return this.resolved.get(group)?.offsets.get(topic)?.get(partition);
  }

  /** Every committed position of a group. Requires `load(group)` to have completed. */
  entries(group: string): OffsetUpdate[] {
    const out: OffsetUpdate[] = [];
    for (const [topic, partitions] of this.resolved.get(group)?.offsets ?? []) {
      for (const [partition, offset] of partitions) out.push({ topic, partition, offset });
    }
    return out;
  }

  /** Whether the group has committed offsets (in memory or on disk), without loading it. */
  async exists(group: string): Promise<boolean> {
    if ((this.resolved.get(group)?.offsets.size ?? 0) > 0) return true;
    try {
      await stat(this.fileFor(group));
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  /** Groups with committed offsets: those on disk and those committed in this process. */
  async knownGroups(): Promise<string[]> {
    const groups = new Set<string>();
    for (const [group, state] of this.resolved) if (state.offsets.size > 0) groups.add(group);
    let files: string[];
    try {
      files = (await readdir(this.dir)).filter((name) => name.endsWith('.json'));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [...groups];
      throw err;
    }
    // A bounded number of files open at once, however many groups there are.
    for (let at = 0; at < files.length; at += 64) {
      const names = await Promise.all(files.slice(at, at + 64).map((file) => this.groupOfFile(file)));
      for (const name of names) if (name !== null) groups.add(name);
    }
    return [...groups];
  }

  /** Updates the in-memory view at once (other members see it), resolves when it is on disk. */
  async commit(group: string, updates: readonly OffsetUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    const state = await this.state(group);
    for (const { topic, partition, offset } of updates) {
      let byPartition = state.offsets.get(topic);
      if (byPartition === undefined) {
        byPartition = new Map();
        state.offsets.set(topic, byPartition);
      }
      byPartition.set(partition, offset);
    }
    state.version++;
    await this.persist(group, state, state.version);
  }

  /** Drops a group's offsets from memory and disk (after any write in flight). */
  async delete(group: string): Promise<void> {
    const state = await this.groups.get(group)?.catch(() => null);
    await state?.writing?.catch(() => undefined);
    this.groups.delete(group);
    this.resolved.delete(group);
    await rm(this.fileFor(group), { force: true });
  }

  /** Waits for writes in flight. */
  async close(): Promise<void> {
    for (const pending of this.groups.values()) {
      const state = await pending.catch(() => null);
      await state?.writing?.catch(() => undefined);
    }
  }

  private async groupOfFile(file: string): Promise<string | null> {
    const known = this.fileGroups.get(file);
    if (known !== undefined) return known;
    try {
      const parsed = JSON.parse(await readFile(join(this.dir, file), 'utf8')) as { group?: unknown };
      if (typeof parsed.group !== 'string') return null;
      this.fileGroups.set(file, parsed.group);
      return parsed.group;
    } catch (err) {
      // Deleted meanwhile, or unreadable (reported when the group itself is loaded).
      if (isErrno(err, 'ENOENT') || err instanceof SyntaxError) return null;
      throw err;
    }
  }

  private state(group: string): Promise<GroupOffsets> {
    let pending = this.groups.get(group);
    if (pending === undefined) {
      pending = this.read(group).then((state) => {
        this.resolved.set(group, state);
        return state;
      });
      pending.catch(() => this.groups.delete(group));
      this.groups.set(group, pending);
    }
    return pending;
  }

  private async persist(group: string, state: GroupOffsets, version: number): Promise<void> {
    while (state.persistedVersion < version) {
      if (state.writing !== null) {
        await state.writing;
        continue;
      }
      const writingVersion = state.version;
      const body = serialize(group, state.offsets);
      state.writing = (async () => {
        await mkdir(this.dir, { recursive: true });
        await writeFileAtomic(this.fileFor(group), body, this.fsync);
        state.persistedVersion = Math.max(state.persistedVersion, writingVersion);
      })().finally(() => {
        state.writing = null;
      });
      await state.writing;
    }
  }

  private async read(group: string): Promise<GroupOffsets> {
    const state: GroupOffsets = { offsets: new Map(), version: 0, persistedVersion: 0, writing: null };
    let text: string;
    try {
      text = await readFile(this.fileFor(group), 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return state;
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as { offsets?: Record<string, Record<string, number>> };
      for (const [topic, partitions] of Object.entries(parsed.offsets ?? {})) {
        state.offsets.set(topic, new Map(Object.entries(partitions).map(([p, offset]) => [Number(p), offset])));
      }
    } catch (err) {
      // Starting over from the reset policy redelivers records (at-least-once) instead of refusing to run.
      this.logger.error({ group, err }, 'embedded bus: unreadable committed offsets, group restarts from its reset policy');
    }
    return state;
  }

  /**
   * Group ids are arbitrary strings; the file name keeps a readable prefix and adds a hash so that
   * names differing only in case or in unsafe characters never share a file.
   */
  private fileFor(group: string): string {
    const readable = group.replace(/[^a-zA-Z0-9._-]/g, '_').slice(0, 64);
    const hash = createHash('sha256').update(group).digest('hex').slice(0, 16);
    return join(this.dir, `${readable}.${hash}.json`);
  }
}

function serialize(group: string, offsets: Map<string, Map<number, number>>): string {
  const plain: Record<string, Record<string, number>> = {};
  for (const [topic, partitions] of offsets) plain[topic] = Object.fromEntries(partitions);
  return `${JSON.stringify({ version: 1, group, offsets: plain }, null, 2)}\n`;
}
