import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EmbeddedBusError } from './errors.ts';
import { isErrno } from './atomic-file.ts';

/**
 * Two buses appending to the same segment files would interleave frames and corrupt the log, so a
 * data directory is owned by one bus at a time. The lock file holds the owner's pid; a lock left by
 * a dead process (crash, kill -9) is taken over. The in-process set is needed because after a
 * container restart our pid can equal the stale lock's pid.
 */
const heldInThisProcess = new Set<string>();

export interface DirLock {
  release(): Promise<void>;
}

export async function acquireDirLock(dir: string): Promise<DirLock> {
  const path = join(resolve(dir), '.lock');
  if (heldInThisProcess.has(path)) {
    throw new EmbeddedBusError('DIR_LOCKED', `bus directory ${dir} is already open in this process`);
  }
  const content = JSON.stringify({ pid: process.pid });
  try {
    await writeFile(path, content, { flag: 'wx' });
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
    const owner = await readLockOwner(path);
    if (owner !== null && owner !== process.pid && isProcessAlive(owner)) {
      throw new EmbeddedBusError('DIR_LOCKED', `bus directory ${dir} is in use by process ${owner}`);
    }
    await writeFile(path, content);
  }
  heldInThisProcess.add(path);
  return {
    async release() {
      if (!heldInThisProcess.delete(path)) return;
      await rm(path, { force: true });
    },
  };
}

async function readLockOwner(path: string): Promise<number | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    const pid = (parsed as { pid?: unknown } | null)?.pid;
    return typeof pid === 'number' ? pid : null;
  } catch {
    return null;
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}
