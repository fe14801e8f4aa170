/**
 * The collect load the ingest benchmarks post: realistic page views from the load generator's plan
 * (seed 002's), without `event_id` (ingest gives each accepted event a new one, so every accepted
 * event is new), one event or a JSON array per body, posted by autocannon with a browser's
 * User-Agent, as a tracker would.
 */
import autocannon from 'autocannon';
import { createPlanner } from '../src/generator/plan.ts';
import { HTTP_TARGET_USER_AGENT, wireEvent } from '../src/generator/targets.ts';
import { int, progress } from './processes.ts';

/** `variants` different bodies of `perBody` events each (1: a bare event; more: a JSON array). */
export function collectBodies(site: string, idPrefix: string, perBody: number, variants: number): string[] {
  const planner = createPlanner(11, { site, idPrefix, users: 2000 });
  const now = new Date();
  const next = (): Record<string, unknown> => {
    for (;;) {
      const entry = planner.next();
      if (entry.invalid !== null || entry.duplicateOf !== null) continue;
      const event = wireEvent(entry, now) as Record<string, unknown>;
      delete event['event_id'];
      return event;
    }
  };
  return Array.from({ length: variants }, () => JSON.stringify(perBody === 1 ? next() : Array.from({ length: perBody }, next)));
}

/** POSTs the bodies in turn to `<base>/api/events` over `connections` keep-alive connections for `seconds`. */
export function postLoad(base: string, bodies: readonly string[], options: { seconds: number; connections: number; label: string }) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    let responses = 0;
    const started = Date.now();
    const stop = progress(
      () =>
        `${options.label}: ${Math.min(options.seconds, Math.round((Date.now() - started) / 1000))}/${options.seconds} s, ${int(responses)} answers`,
    );
    const instance = autocannon(
      {
        url: `${base}/api/events`,
        connections: options.connections,
        duration: options.seconds,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': HTTP_TARGET_USER_AGENT },
        requests: bodies.map((body) => ({ method: 'POST', path: '/api/events', body })),
      },
      (error, result) => {
        stop();
        if (error !== null && error !== undefined) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(result);
      },
    );
    instance.on('response', () => (responses += 1));
  });
}
