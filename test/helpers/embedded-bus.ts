import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Bus, BusRecord, Subscription } from '../../src/bus/bus.ts';
import { createEmbeddedBus } from '../../src/bus/embedded/index.ts';
import type { EmbeddedBusOptions } from '../../src/bus/embedded/index.ts';

export const silentLogger = { info() {}, warn() {}, error() {} };

/** A bus in its own temp dir, closed and deleted when the test ends. */
export async function openBus(t: TestContext, options: Partial<EmbeddedBusOptions> = {}): Promise<Bus> {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-embedded-'));
  const bus = await createEmbeddedBus({ logger: silentLogger, ...options, dir });
  t.after(async () => {
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  });
  return bus;
}

/** Polls until `count` records arrived (or fails after `timeoutMs`). */
export async function drain(sub: Subscription, count: number, timeoutMs = 5000): Promise<BusRecord[]> {
  const out: BusRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count) {
    assert.ok(Date.now() < deadline, `expected ${count} records, got ${out.length}`);
    out.push(...(await sub.poll(count - out.length, 50)));
  }
  return out;
}
