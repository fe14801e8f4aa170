/**
 * A PostgreSQL backend that dies under a transaction: every statement still waiting is refused as a
 * retriable store error and the process lives on. postgres.js 3.4.9 threw from a deferred write once
 * its socket was gone (porsager/postgres#1208), outside every caller, and ended the warehouse
 * worker (the PostgreSQL fault test saw it); `patches/postgres+3.4.9.patch` settles those writes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import postgres from 'postgres';
import { PulseError } from '../../src/shared/errors.ts';
import { postgresExecutor } from '../../src/stores/warehouse/postgres/sql-executor.ts';
import { postgresUrl } from '../helpers/services.ts';

async function timeout(ms: number, what: string): Promise<never> {
  await delay(ms, undefined, { ref: false });
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

test('postgres.js: statements on a reserved connection whose backend died are refused (CONNECTION_CLOSED), the process lives on', async () => {
  let connectionClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (connectionClosed = resolve));
  const sql = postgres(postgresUrl, { max: 2, onnotice: () => undefined, onclose: () => connectionClosed() });
  try {
    const reserved = await sql.reserve();
    const [row] = await reserved<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    assert.ok(row !== undefined);
    await sql`SELECT pg_terminate_backend(${row.pid})`;
    // Once the client has seen the close, each statement is a write deferred to an immediate on no socket:
    // unpatched, the first one ends the process from there (no catch can see it).
    await Promise.race([closed, timeout(30_000, 'the client to see its connection closed')]);
    const codes = [];
    for (let i = 0; i < 3; i++) {
      codes.push(
        await reserved`SELECT 1`.then(
          () => 'answered',
          (error: { code?: string }) => error.code,
        ),
      );
    }
    assert.deepEqual(codes, ['CONNECTION_CLOSED', 'CONNECTION_CLOSED', 'CONNECTION_CLOSED']);
    reserved.release();
    assert.deepEqual([...(await sql`SELECT 2 AS n`)], [{ n: 2 }], 'the pool serves again');
  } finally {
    await sql.end({ timeout: 5 });
  }
});

test('a backend killed under an open transaction: its next statements are refused as unavailable and retriable; the pool serves again', async () => {
  const executor = postgresExecutor({ url: postgresUrl, max: 2 });
  const killer = postgres(postgresUrl, { max: 1, onnotice: () => undefined });
  try {
    const refusals = await executor
      .transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        assert.ok(row !== undefined);
        const [killed] = await killer<{ done: boolean }[]>`SELECT pg_terminate_backend(${row.pid}) AS done`;
        assert.equal(killed?.done, true);
        // Small statements on the dead connection: each one is a write postgres.js defers to an immediate.
        const outcomes = [];
        for (let i = 0; i < 3; i++)
          outcomes.push(
            await tx.query('SELECT 1').then(
              () => 'answered',
              (error: unknown) => error,
            ),
          );
        return outcomes;
      })
      .then(
        (outcomes) => outcomes,
        (error: unknown) => [error],
      );
    assert.ok(refusals.length > 0);
    for (const refusal of refusals) {
      assert.ok(refusal instanceof PulseError, `refused with a store error, got ${String(refusal)}`);
      assert.equal(refusal.code, 'PULSE_STORE_UNAVAILABLE');
      assert.equal(refusal.retriable, true);
    }
    // The pool replaces the dead connection: the next transaction is served.
    assert.deepEqual(await executor.transaction((tx) => tx.query<{ n: number }>('SELECT 2 AS n')), [{ n: 2 }]);
  } finally {
    await killer.end();
    await executor.close();
  }
});
