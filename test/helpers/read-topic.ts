import { randomUUID } from 'node:crypto';
import type { Bus, BusRecord } from '../../src/bus/bus.ts';
import { PulseError } from '../../src/shared/errors.ts';

/** End offset of every partition of `topic`, to read only what a test adds after this point. */
export async function endOffsets(bus: Bus, topic: string): Promise<Map<number, number>> {
  const info = (await listTopicsSettled(bus)).find((t) => t.name === topic);
  return new Map((info?.partitions ?? []).map((p) => [p.partition, p.endOffset]));
}

/**
 * Lists the broker's topics. Tests running beside this one delete their own topics when they end;
 * a topic deleted between the listing of names and the reading of its offsets fails that one
 * read, so a retriable failure is tried again (at most 5 times).
 */
async function listTopicsSettled(bus: Bus): Promise<Awaited<ReturnType<Bus['listTopics']>>> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await bus.listTopics();
    } catch (error) {
      if (attempt >= 5 || !(error instanceof PulseError) || !error.retriable) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/**
 * Reads every record of `topic` written after `since` with a fresh consumer
 * group, until `expected` records arrived and `settleMs` more passed with
 * nothing new (so extra, duplicated records would be seen too). `only` keeps a test's own
 * records, so other writers on a shared topic cannot disturb it.
 */
export async function readTopicSince(
  bus: Bus,
  topic: string,
  since: Map<number, number>,
  expected: number,
  {
    timeoutMs = 30_000,
    settleMs = 1000,
    only = () => true,
  }: { timeoutMs?: number; settleMs?: number; only?: (record: BusRecord) => boolean } = {},
): Promise<BusRecord[]> {
  const subscription = await bus.subscribe({ group: `test-read-${randomUUID()}`, topics: [topic], from: 'earliest' });
  const records: BusRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  let quietSince = Date.now();
  try {
    while (Date.now() < deadline) {
      const batch = (await subscription.poll(1000, 200)).filter((r) => r.offset >= (since.get(r.partition) ?? 0) && only(r));
      if (batch.length > 0) {
        records.push(...batch);
        quietSince = Date.now();
      } else if (records.length >= expected && Date.now() - quietSince >= settleMs) {
        break;
      }
    }
  } finally {
    await subscription.close();
  }
  return records;
}
