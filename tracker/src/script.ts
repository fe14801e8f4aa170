/**
 * Pulse tracker, `<script>` build (t.js). Drop-in:
 *   <script src="https://pulse.example/t.js" data-site="demo" [data-endpoint="/c"] [data-mouse="true"]></script>
 * initialises itself from the tag's data-* attributes and exposes `window.pulse`.
 */
import { createTracker, type PulseApi, type PulseOptions } from './tracker.ts';

declare global {
  interface Window {
    pulse?: PulseApi;
  }
}

((): void => {
  try {
    if (window.pulse !== undefined) return; // loaded twice: keep the first tracker
    const pulse = createTracker(window);
    window.pulse = pulse;
    const script = document.currentScript;
    if (!(script instanceof HTMLScriptElement)) return;
    const data = script.dataset;
    if (data['site'] === undefined) return; // no data-site: the page calls pulse.init() itself
    const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
    const options: PulseOptions = {
      siteKey: data['site'],
      // By default events go back to where the script came from, so a first-party path works unchanged.
      endpoint: data['endpoint'] ?? new URL('/api/events', script.src || location.href).href,
      mouse: data['mouse'] === 'true',
      autostart: data['autostart'] !== 'false',
    };
    if (data['mouseEndpoint'] !== undefined) options.mouseEndpoint = data['mouseEndpoint'];
    const batchSize = number(data['batchSize']);
    if (batchSize !== undefined) options.batchSize = batchSize;
    const flushInterval = number(data['flushInterval']);
    if (flushInterval !== undefined) options.flushInterval = flushInterval;
    if (data['debug'] === 'true') options.debug = true;
    pulse.init(options);
  } catch {
    // never let the tracker break the host page
  }
})();
