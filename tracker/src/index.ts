/**
 * Pulse tracker, ESM build: `import { init, track } from './pulse.esm.js'`.
 * One tracker per page, created on first use (importing touches no browser API).
 */
import { createTracker, type PulseApi, type PulseOptions, type PulseState } from './tracker.ts';

export type { PulseApi, PulseOptions, PulseState };
export type { PulseEvent } from './types.ts';

let instance: PulseApi | undefined;
const tracker = (): PulseApi => (instance ??= createTracker(window));

export const pulse: PulseApi = {
  init: (options) => tracker().init(options),
  start: () => tracker().start(),
  stop: () => tracker().stop(),
  track: (name, props) => tracker().track(name, props),
  identify: (userId) => tracker().identify(userId),
  reset: () => tracker().reset(),
  setMouseTracking: (on) => tracker().setMouseTracking(on),
  initMouseTracker: (options) => tracker().initMouseTracker(options),
  stopMouseTracker: () => tracker().stopMouseTracker(),
  optOut: () => tracker().optOut(),
  optIn: () => tracker().optIn(),
  isOptedOut: () => tracker().isOptedOut(),
  flush: () => tracker().flush(),
  onEvent: (listener) => tracker().onEvent(listener),
  getState: () => tracker().getState(),
};

export const init = pulse.init;
export const start = pulse.start;
export const stop = pulse.stop;
export const track = pulse.track;
export const identify = pulse.identify;
export const reset = pulse.reset;
export const setMouseTracking = pulse.setMouseTracking;
export const initMouseTracker = pulse.initMouseTracker;
export const stopMouseTracker = pulse.stopMouseTracker;
export const optOut = pulse.optOut;
export const optIn = pulse.optIn;
export const isOptedOut = pulse.isOptedOut;
export const flush = pulse.flush;
export const onEvent = pulse.onEvent;
export const getState = pulse.getState;
export default pulse;
