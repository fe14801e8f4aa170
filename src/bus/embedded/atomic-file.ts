import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces `path` with `data` so readers see either the old or the new content, never a torn mix:
 * write a temp file beside it, then rename over it (atomic within one filesystem).
 * With `fsync`, file and directory are flushed too, which also survives power loss, not only a
 * process crash.
 */
export async function writeFileAtomic(path: string, data: string, fsync: boolean): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(data, 'utf8');
      if (fsync) await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  if (fsync) await syncDirectory(dirname(path));
}

/** Makes a create/rename/unlink inside `dir` durable (POSIX needs the directory itself synced). */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some platforms (Windows) cannot fsync a directory; the entry is then as durable as it gets.
    if (!isErrno(err, 'EISDIR') && !isErrno(err, 'EPERM') && !isErrno(err, 'EINVAL')) throw err;
  } finally {
    await handle.close();
  }
}

export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}
