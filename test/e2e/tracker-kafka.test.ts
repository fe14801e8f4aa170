import { kafkaPulse } from './support/pulse-under-test.ts';
import { defineTrackerScenarios } from './support/tracker-scenarios.ts';

// `pulse ingest` against the test stack's Kafka (scripts/stack); events are read back from the topics.
defineTrackerScenarios('demo site in Chromium → pulse ingest → Kafka', () => kafkaPulse());
