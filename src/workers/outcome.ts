/** What a pipeline step decides about one record; the runner acts on it, steps never throw for bad data. */
export type Outcome<T> = { kind: 'ok'; value: T } | { kind: 'dlq'; reason: string } | { kind: 'drop'; reason: string };

export const ok = <T>(value: T): Outcome<T> => ({ kind: 'ok', value });
export const dlq = <T = never>(reason: string): Outcome<T> => ({ kind: 'dlq', reason });
export const drop = <T = never>(reason: string): Outcome<T> => ({ kind: 'drop', reason });
