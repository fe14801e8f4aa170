import { join } from 'node:path';
import { repoRoot } from '../helpers/services.ts';
import { embeddedPulse } from './support/pulse-under-test.ts';
import { defineTrackerScenarios } from './support/tracker-scenarios.ts';

// `pulse start` as a user runs it; the screenshot of the demo is for review (test-results/ is not committed).
defineTrackerScenarios('demo site in Chromium → pulse start (embedded log)', () => embeddedPulse(), {
  screenshot: join(repoRoot, 'test-results', 'demo.png'),
});
