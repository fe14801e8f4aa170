import { kafkaPulse } from './support/pulse-under-test.ts';
import { defineTrackerScenarios } from './support/tracker-scenarios.ts';

// `pulse ingest` against the test stack's Kafka (scripts/stack); events are read back from the topics.
// The driven Chromium is an automated browser: the demo site opts in to counting it (PULSE_COUNT_BOTS_SITES).
defineTrackerScenarios('demo site in Chromium → pulse ingest → Kafka', () => kafkaPulse({ PULSE_COUNT_BOTS_SITES: 'demo' }));
