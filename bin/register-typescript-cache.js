// Loaded first (`node --import`, and by bin/pulse.js) in every thread of a Pulse process: see typescript-cache.js.
import { registerTypescriptCache } from './typescript-cache.js';

registerTypescriptCache();
