import type { ClusterAdmin, GroupDescription, GroupMemberInfo, PartitionLag } from '../bus/bus.ts';
import { badRequest } from '../shared/errors.ts';

/**
 * Consumer groups for the Kafka page: the list (paged, each page's groups described and their lag
 * computed in a few batched requests however many groups there are) and one group's detail with
 * its lag history, sampled on the server for the groups someone looked at lately.
 */

export interface GroupRow {
  group: string;
  state: string;
  members: number;
  /** Topics the group has committed on or is assigned, sorted. */
  topics: string[];
  /** Sum of the partitions' lag; null when the group has committed nothing. */
  totalLag: number | null;
}

export interface GroupDetail {
  group: string;
  state: string;
  members: GroupMemberInfo[];
  lag: PartitionLag[];
  totalLag: number | null;
  history: LagSample[];
}

export interface LagSample {
  /** ISO 8601. */
  ts: string;
  totalLag: number | null;
}

interface GroupLag {
  description: GroupDescription;
  topics: string[];
  lag: PartitionLag[];
  totalLag: number | null;
}

/**
 * Lag of each group on every partition of the topics it committed on or is assigned: end offset
 * minus the committed offset, or minus the oldest retained offset where it has committed nothing
 * (what it would read from the start).
 */
export async function groupsLag(admin: ClusterAdmin, groups: readonly string[]): Promise<Map<string, GroupLag>> {
  if (groups.length === 0) return new Map();
  const [descriptions, committed] = await Promise.all([admin.describeGroups(groups), admin.committedOffsets(groups)]);
  const committedBy = new Map(committed.map((c) => [c.group, c.offsets]));
  const topicsOf = (description: GroupDescription): string[] => {
    const topics = new Set((committedBy.get(description.group) ?? []).map((o) => o.topic));
    for (const member of description.members) for (const a of member.assignments) topics.add(a.topic);
    return [...topics].sort();
  };
  const allTopics = [...new Set(descriptions.flatMap(topicsOf))];
  const offsets = new Map((await admin.partitionOffsets(allTopics)).map((t) => [t.name, t.partitions]));
  const result = new Map<string, GroupLag>();
  for (const description of descriptions) {
    const commits = committedBy.get(description.group) ?? [];
    const at = new Map(commits.map((o) => [`${o.topic}\u0000${o.partition}`, o.offset]));
    const topics = topicsOf(description);
    const lag: PartitionLag[] = topics.flatMap((topic) =>
      (offsets.get(topic) ?? []).map((p) => {
        const position = at.get(`${topic}\u0000${p.partition}`);
        return {
          topic,
          partition: p.partition,
          committed: position ?? null,
          endOffset: p.endOffset,
          lag: Math.max(0, p.endOffset - Math.max(position ?? p.startOffset, p.startOffset)),
        };
      }),
    );
    result.set(description.group, {
      description,
      topics,
      lag,
      totalLag: commits.length === 0 ? null : lag.reduce((sum, p) => sum + p.lag, 0),
    });
  }
  return result;
}

const GROUP_CURSOR_PREFIX = 'g1.';

export interface GroupPageRequest {
  search?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** Groups whose name contains `search` (case-insensitive), by name, `limit` at a time after `cursor`. */
export async function listGroupRows(
  admin: ClusterAdmin,
  request: GroupPageRequest,
): Promise<{ groups: GroupRow[]; nextCursor: string | null }> {
  let after: string | undefined;
  if (request.cursor !== undefined) {
    if (!request.cursor.startsWith(GROUP_CURSOR_PREFIX)) throw badRequest('bad_cursor', 'cursor is not one this list gave out');
    after = Buffer.from(request.cursor.slice(GROUP_CURSOR_PREFIX.length), 'base64url').toString('utf8');
  }
  const needle = request.search?.toLowerCase() ?? '';
  const matching = (await admin.listGroups())
    .filter((g) => g.group.toLowerCase().includes(needle) && (after === undefined || g.group > after))
    .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  const page = matching.slice(0, request.limit);
  const lag = await groupsLag(
    admin,
    page.map((g) => g.group),
  );
  const groups = page.map((listed) => {
    const found = lag.get(listed.group);
    return {
      group: listed.group,
      state: found?.description.state ?? listed.state,
      members: found?.description.members.length ?? 0,
      topics: found?.topics ?? [],
      totalLag: found?.totalLag ?? null,
    };
  });
  const last = page.at(-1);
  return {
    groups,
    nextCursor:
      matching.length > page.length && last !== undefined ? GROUP_CURSOR_PREFIX + Buffer.from(last.group).toString('base64url') : null,
  };
}

export interface LagHistory {
  /** Starts (or keeps) sampling this group and returns its samples, oldest first. */
  watch(group: string, totalLag: number | null): LagSample[];
  close(): void;
}

export interface LagHistoryOptions {
  admin: ClusterAdmin;
  /** Between samples (default 10 s). */
  intervalMs?: number;
  /** Samples kept (default 1 h). */
  retainMs?: number;
  /** A group nobody looked at for this long is no longer sampled (default 15 min). */
  watchMs?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}

/**
 * Total lag over time, kept in memory: every `intervalMs` the groups looked at in the last
 * `watchMs` are measured together (one batched lag computation), and an hour of samples is kept.
 */
export function createLagHistory(options: LagHistoryOptions): LagHistory {
  const intervalMs = options.intervalMs ?? 10_000;
  const retainMs = options.retainMs ?? 60 * 60_000;
  const watchMs = options.watchMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  const lastViewed = new Map<string, number>();
  const samples = new Map<string, Array<{ at: number; totalLag: number | null }>>();
  let sampling = false;

  const record = (group: string, totalLag: number | null, at: number): void => {
    const kept = (samples.get(group) ?? []).filter((s) => s.at >= at - retainMs);
    // A view right after a tick does not add a second point for the same moment.
    const last = kept.at(-1);
    if (last !== undefined && at - last.at < intervalMs / 2) last.totalLag = totalLag;
    else kept.push({ at, totalLag });
    samples.set(group, kept);
  };

  const tick = async (): Promise<void> => {
    if (sampling) return;
    sampling = true;
    try {
      const at = now();
      for (const [group, viewed] of lastViewed) {
        if (at - viewed > watchMs) lastViewed.delete(group);
      }
      for (const [group, kept] of samples) {
        if (!lastViewed.has(group) && (kept.at(-1)?.at ?? 0) < at - retainMs) samples.delete(group);
      }
      const groups = [...lastViewed.keys()];
      const lag = await groupsLag(options.admin, groups);
      for (const group of groups) record(group, lag.get(group)?.totalLag ?? null, at);
    } catch (error) {
      options.onError?.(error);
    } finally {
      sampling = false;
    }
  };

  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();

  return {
    watch(group, totalLag) {
      const at = now();
      lastViewed.set(group, at);
      record(group, totalLag, at);
      return (samples.get(group) ?? []).map((s) => ({ ts: new Date(s.at).toISOString(), totalLag: s.totalLag }));
    },
    close() {
      clearInterval(timer);
    },
  };
}
