/**
 * Loaded with `--import` by scripts/test into the runner and every test file's process. Each file
 * runs in a child that streams its report to the runner over a pipe, and `--test-force-exit` ends
 * the child with process.exit(): frames still queued on the non-blocking pipe were dropped, and the
 * lane's count came out a few tests short with exit code 0 (nodejs/node#64833, open; seen here as
 * a file's second suite started and never reported). With blocking writes nothing is left queued.
 */
interface WithHandle {
  _handle?: { setBlocking?: (blocking: boolean) => void };
}

for (const stream of [process.stdout, process.stderr]) (stream as unknown as WithHandle)._handle?.setBlocking?.(true);
