import { join } from 'node:path';
import { repoRoot } from '../helpers/services.ts';
import { embeddedPulse } from './support/pulse-under-test.ts';
import { defineTrackerScenarios } from './support/tracker-scenarios.ts';

// `pulse start` as a user runs it; the screenshot of the demo is for review (test-results/ is not committed).
// Chromium driven by Playwright is an automated browser (navigator.webdriver): the demo site opts in to
// counting it (PULSE_COUNT_BOTS_SITES; test/e2e/tracker-automation.test.ts shows the default).
defineTrackerScenarios('demo site in Chromium → pulse start (embedded log)', () => embeddedPulse({ PULSE_COUNT_BOTS_SITES: 'demo' }), {
  screenshot: join(repoRoot, 'test-results', 'demo.png'),
});
