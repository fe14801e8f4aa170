/**
 * Whether a mouse move read at `now` may become an event, given the `ts` of
 * the last mouse event sent. The caller stamps the event with this same `now`:
 * a second clock reading, taken later on a busy page, could put two events
 * closer together than the throttle.
 *
 * A wall clock stepped back sends nothing until it passes the last event
 * again, so the events' timestamps only ever grow by at least the throttle.
 */
export function mouseMoveDue(now: number, lastSent: number | undefined, throttle: number): boolean {
  return lastSent === undefined || now - lastSent >= throttle;
}
