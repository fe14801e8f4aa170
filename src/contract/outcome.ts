/**
 * What a pipeline step decides about one input: `ok` with the value for the next step, `dlq` with
 * the reason (the record is dead-lettered), or `drop` (counted by reason, not stored). Steps never
 * throw for bad data; the caller acts on the outcome.
 */
export type Outcome<T> = { kind: 'ok'; value: T } | { kind: 'dlq'; reason: string } | { kind: 'drop'; reason: string };

export const ok = <T>(value: T): Outcome<T> => ({ kind: 'ok', value });
export const dlq = <T = never>(reason: string): Outcome<T> => ({ kind: 'dlq', reason });
/** `reason` is a short fixed name (it becomes a metric label), not free text. */
export const drop = <T = never>(reason: string): Outcome<T> => ({ kind: 'drop', reason });

/** One named step: a plain function from its input to an outcome. */
export type Step<I, O> = (input: I) => Outcome<O>;

/** Steps run in order; the first outcome that is not `ok` ends the run. `steps` names them, for status and docs. */
export interface Pipeline<I, O> extends Step<I, O> {
  readonly steps: readonly string[];
}

export function pipeline<A, B>(s1: Step<A, B>): Pipeline<A, B>;
export function pipeline<A, B, C>(s1: Step<A, B>, s2: Step<B, C>): Pipeline<A, C>;
export function pipeline<A, B, C, D>(s1: Step<A, B>, s2: Step<B, C>, s3: Step<C, D>): Pipeline<A, D>;
export function pipeline<A, B, C, D, E>(s1: Step<A, B>, s2: Step<B, C>, s3: Step<C, D>, s4: Step<D, E>): Pipeline<A, E>;
export function pipeline(...steps: Step<unknown, unknown>[]): Pipeline<unknown, unknown> {
  const run = (input: unknown): Outcome<unknown> => {
    let outcome: Outcome<unknown> = ok(input);
    for (const step of steps) {
      if (outcome.kind !== 'ok') return outcome;
      outcome = step(outcome.value);
    }
    return outcome;
  };
  return Object.assign(run, { steps: steps.map((step) => step.name || 'anonymous') });
}
