import type { BusRecord, Subscription } from '../bus.ts';
import { EmbeddedBusError } from './errors.ts';
import type { OffsetUpdate } from './offset-store.ts';
import type { EmbeddedBusLogger } from './options.ts';
import type { PartitionLog } from './partition-log.ts';
import { splitTombstone } from './record-codec.ts';
import { approxRecordBytes } from './tail-cache.ts';

/** What a member needs from its coordinator (kept narrow to avoid an import cycle). */
export interface MemberContext {
  logFor(topic: string, partition: number): PartitionLog;
  initialPosition(member: GroupMember, log: PartitionLog): number;
  commit(group: string, updates: readonly OffsetUpdate[]): Promise<void>;
  leave(member: GroupMember): void;
  maxPollBytes: number;
  logger: EmbeddedBusLogger;
}

interface OwnedPartition {
  log: PartitionLog;
  /** Next offset to deliver to this member. */
  position: number;
  /** Position when ownership began: commits below it come from a batch fetched under an older owner. */
  ownedFrom: number;
}

/** One subscription: a member of a consumer group that owns some partitions between rebalances. */
export class GroupMember implements Subscription {
  readonly id: number;
  readonly group: string;
  readonly topics: readonly string[];
  readonly from: 'earliest' | 'latest';
  private readonly context: MemberContext;
  private owned = new Map<string, OwnedPartition>();
  private closed = false;
  private pollChain: Promise<unknown> = Promise.resolve();
  private wake: (() => void) | null = null;
  /** Rotates which partition is read first, so one busy partition cannot starve the others. */
  private startAt = 0;

  constructor(id: number, group: string, topics: readonly string[], from: 'earliest' | 'latest', context: MemberContext) {
    this.id = id;
    this.group = group;
    this.topics = topics;
    this.from = from;
    this.context = context;
  }

  /** The partitions this member owns now. */
  assignment(): Array<{ topic: string; partition: number }> {
    return [...this.owned.values()].map((part) => ({ topic: part.log.topic, partition: part.log.partition }));
  }

  /** Partitions kept across a rebalance keep their position; new ones start from the commit. */
  assign(partitions: ReadonlyArray<{ topic: string; partition: number }>): void {
    const next = new Map<string, OwnedPartition>();
    for (const { topic, partition } of partitions) {
      const key = partitionKey(topic, partition);
      const kept = this.owned.get(key);
      if (kept !== undefined) {
        next.set(key, kept);
        continue;
      }
      const log = this.context.logFor(topic, partition);
      const position = this.context.initialPosition(this, log);
      next.set(key, { log, position, ownedFrom: position });
    }
    this.owned = next;
    this.wake?.();
  }

  poll(max: number, waitMs: number): Promise<BusRecord[]> {
    if (this.closed) return Promise.reject(new EmbeddedBusError('SUBSCRIPTION_CLOSED', `subscription to group "${this.group}" is closed`));
    if (!Number.isInteger(max) || max < 1)
      return Promise.reject(new EmbeddedBusError('INVALID_OPTIONS', `poll max must be a positive integer, got ${max}`));
    // Concurrent polls on one member would hand out the same positions twice; run them in turn.
    const run = this.pollChain.then(() => this.pollOnce(max, Math.max(0, waitMs)));
    this.pollChain = run.catch(() => undefined);
    return run;
  }

  async commit(records: readonly BusRecord[]): Promise<void> {
    const updates = new Map<string, OffsetUpdate>();
    let ignored = 0;
    for (const record of records) {
      const key = partitionKey(record.topic, record.partition);
      const owned = this.owned.get(key);
      // A partition that moved away (rebalance, close) belongs to its new owner, which resumes
      // from the last commit; accepting this one could skip records that owner has not processed.
      if (owned === undefined || record.offset < owned.ownedFrom || record.offset >= owned.position) {
        ignored++;
        continue;
      }
      const offset = record.offset + 1;
      if ((updates.get(key)?.offset ?? -1) < offset) updates.set(key, { topic: record.topic, partition: record.partition, offset });
    }
    if (ignored > 0) {
      this.context.logger.info(
        { group: this.group, member: this.id, ignored },
        'embedded bus: commit ignored for records of partitions no longer owned',
      );
    }
    await this.context.commit(this.group, [...updates.values()]);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.owned = new Map();
    this.wake?.();
    this.context.leave(this);
    return Promise.resolve();
  }

  private async pollOnce(max: number, waitMs: number): Promise<BusRecord[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (this.closed) return [];
      const records = await this.fetch(max);
      if (records.length > 0 || this.closed) return records;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return [];
      await this.waitForData(remaining);
    }
  }

  private async fetch(max: number): Promise<BusRecord[]> {
    const parts = [...this.owned.entries()];
    const out: BusRecord[] = [];
    if (parts.length === 0) return out;
    const first = this.startAt++ % parts.length;
    let bytes = 0;
    for (let i = 0; i < parts.length && out.length < max && bytes < this.context.maxPollBytes; i++) {
      const entry = parts[(first + i) % parts.length];
      if (entry === undefined) continue;
      const [key, part] = entry;
      this.clampPosition(part);
      if (part.position >= part.log.endOffset) continue;
      const stored = await part.log.read(part.position, max - out.length, this.context.maxPollBytes - bytes);
      // Revoked while the read was in flight: the new owner delivers these, not us.
      if (this.closed || this.owned.get(key) !== part) continue;
      for (const record of stored) {
        // Copies: the stored record is shared with other groups and the in-memory tail.
        const { headers, tombstone } = splitTombstone(record.headers);
        out.push({
          topic: part.log.topic,
          partition: part.log.partition,
          offset: record.offset,
          key: record.key,
          value: Buffer.from(record.value),
          headers,
          timestamp: record.timestamp,
          ...(tombstone ? { tombstone } : {}),
        });
        bytes += approxRecordBytes(record);
      }
      const last = stored.at(-1);
      if (last !== undefined) part.position = last.offset + 1;
    }
    return out;
  }

  /** Kafka's out-of-range handling: a position outside the retained log snaps to its nearest end. */
  private clampPosition(part: OwnedPartition): void {
    const { log } = part;
    if (part.position < log.startOffset) {
      this.context.logger.warn(
        { group: this.group, topic: log.topic, partition: log.partition, position: part.position, startOffset: log.startOffset },
        'embedded bus: records before the position were deleted by retention; skipping to the oldest retained record',
      );
      part.position = log.startOffset;
    } else if (part.position > log.endOffset) {
      this.context.logger.warn(
        { group: this.group, topic: log.topic, partition: log.partition, position: part.position, endOffset: log.endOffset },
        'embedded bus: position is beyond the end of the log; resuming at the end',
      );
      part.position = log.endOffset;
    }
  }

  /** Resolves on new data in an owned partition, a rebalance, close, or the timeout. */
  private waitForData(ms: number): Promise<void> {
    for (const part of this.owned.values()) {
      if (part.position < part.log.endOffset) return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const unsubscribers: Array<() => void> = [];
      let settled = false;
      const done = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        for (const unsubscribe of unsubscribers) unsubscribe();
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      for (const part of this.owned.values()) unsubscribers.push(part.log.onAppend(done));
      this.wake = done;
    });
  }
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
