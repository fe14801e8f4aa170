import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSpan, severityTone, stripModel } from '../../../src/dashboard/web/src/alerts-model.ts';
import type { AlertBoardSnapshot, BoardAlert } from '../../../src/dashboard/web/src/alerts-types.ts';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const MIN = 60_000;

const alert = (name: string, overrides: Partial<BoardAlert> = {}): BoardAlert => ({
  fingerprint: `fp-${name}`,
  status: 'firing',
  name,
  severity: 'critical',
  summary: `${name} summary`,
  description: 'what happened',
  instance: '127.0.0.1:19405',
  labels: { alertname: name, severity: 'critical', instance: '127.0.0.1:19405' },
  annotations: {},
  startsAt: NOW - 5 * MIN,
  endsAt: null,
  generatorURL: null,
  firstReceivedAt: NOW - 4 * MIN,
  lastReceivedAt: NOW - 4 * MIN,
  notifications: 1,
  ...overrides,
});

const board = (firing: BoardAlert[], resolved: BoardAlert[] = []): AlertBoardSnapshot => ({
  serverTime: NOW,
  firing,
  resolved,
  notifications: firing.length + resolved.length,
  lastNotificationAt: NOW,
  source: null,
});

test('the strip is hidden while nothing fires and nothing resolved recently', () => {
  const model = stripModel(board([]), NOW);
  assert.equal(model.hidden, true);
  assert.deepEqual(model.items, []);
});

test('firing alerts come first with their severity tone and how long they fire; resolved ones after, greyed', () => {
  const model = stripModel(
    board(
      [alert('KafkaBrokerDown'), alert('KafkaUnderReplicatedPartitions', { severity: 'warning', startsAt: NOW - 90 * MIN })],
      [alert('KafkaOfflinePartitions', { status: 'resolved', endsAt: NOW - 2 * MIN })],
    ),
    NOW,
  );
  assert.equal(model.hidden, false);
  assert.equal(model.state, 'firing');
  assert.equal(model.tone, 'critical', 'the strip takes the colour of its most severe firing alert');
  assert.equal(model.count, '2 firing · 1 resolved');
  assert.deepEqual(
    model.items.map((i) => [i.name, i.status, i.tone, i.when]),
    [
      ['KafkaBrokerDown', 'firing', 'critical', 'for 5m'],
      ['KafkaUnderReplicatedPartitions', 'firing', 'warning', 'for 1h 30m'],
      ['KafkaOfflinePartitions', 'resolved', 'critical', 'resolved 2m ago'],
    ],
  );
  assert.equal(model.items[0]?.summary, 'KafkaBrokerDown summary');
  assert.equal(model.items[0]?.instance, '127.0.0.1:19405');
  assert.match(model.items[0]?.details ?? '', /what happened\nseverity=critical, instance=127\.0\.0\.1:19405/);
});

test('only resolved alerts: the strip shows them in its calm state', () => {
  const model = stripModel(board([], [alert('KafkaBrokerDown', { status: 'resolved', endsAt: NOW - 30_000 })]), NOW);
  assert.equal(model.hidden, false);
  assert.equal(model.state, 'resolved');
  assert.equal(model.tone, 'none');
  assert.equal(model.count, '1 resolved');
  const warnings = stripModel(board([alert('Lag', { severity: 'warning' }), alert('Note', { severity: 'info' })]), NOW);
  assert.equal(warnings.tone, 'warning');
  assert.equal(model.items[0]?.when, 'resolved 30s ago');
});

test('a runbook link is offered only when it is http(s)', () => {
  const linked = stripModel(board([alert('A', { annotations: { runbook_url: 'https://runbooks.example/kafka#broker-down' } })]), NOW);
  assert.equal(linked.items[0]?.runbook, 'https://runbooks.example/kafka#broker-down');
  const script = stripModel(board([alert('A', { annotations: { runbook_url: 'javascript:alert(1)' } })]), NOW);
  assert.equal(script.items[0]?.runbook, null);
});

test('severities map to tones; spans read short', () => {
  assert.equal(severityTone('CRITICAL'), 'critical');
  assert.equal(severityTone('warning'), 'warning');
  assert.equal(severityTone('info'), 'info');
  assert.equal(severityTone('none'), 'none');
  assert.equal(formatSpan(-5), '0s');
  assert.equal(formatSpan(45_000), '45s');
  assert.equal(formatSpan(5 * MIN + 10_000), '5m');
  assert.equal(formatSpan(62 * MIN), '1h 02m');
  assert.equal(formatSpan(28 * 60 * MIN), '1d 4h');
  assert.equal(formatSpan(Number.NaN), '–');
});
