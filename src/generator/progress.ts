import type { GeneratorStatus } from './generator.ts';

/** One line of figures for a bounded run. */
function formatProgress(status: GeneratorStatus, count?: number): string {
  const total = count === undefined ? '' : `/${count} (${Math.floor((status.sent / count) * 100)}%)`;
  return [
    `sent ${status.sent}${total}`,
    `acked ${status.acked}`,
    `failed ${status.failed}`,
    `in flight ${status.inFlight}`,
    `rate ${status.rate.toFixed(1)}/s`,
    `retries ${status.retries}`,
    `dup ${status.duplicates}`,
    `invalid ${status.invalid}`,
    `${status.uptimeSeconds.toFixed(1)}s`,
  ].join('  ');
}

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
}

/**
 * The terminal display of a bounded run (fed about once a second by the generator): one line
 * rewritten in place on a terminal, plain lines otherwise (CI logs, pipes).
 */
export function createProgressDisplay(output: ProgressOutput, count?: number): (status: GeneratorStatus) => void {
  const tty = output.isTTY === true;
  return (status) => {
    const line = formatProgress(status, count);
    const last = status.state === 'stopped';
    if (tty) output.write(`\r\x1b[2K${line}${last ? '\n' : ''}`);
    else output.write(`${line}\n`);
  };
}
