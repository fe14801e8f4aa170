import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAlertBoard, fingerprintOf, type AlertBoardSnapshot } from '../../../src/alerts/alert-board.ts';
import type { AlertmanagerAlert, AlertmanagerWebhook } from '../../../src/alerts/alert-schema.ts';

const T0 = Date.parse('2025-03-01T12:00:00Z');
const MIN = 60_000;
const ZERO = '0001-01-01T00:00:00Z';
const iso = (ms: number) => new Date(ms).toISOString();

/** A clock the test moves. */
function clock(start = T0) {
  let at = start;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

function alert(name: string, overrides: Partial<AlertmanagerAlert> & { instance?: string; severity?: string } = {}): AlertmanagerAlert {
  const { instance = '127.0.0.1:19405', severity = 'critical', ...rest } = overrides;
  return {
    status: 'firing',
    labels: { alertname: name, severity, instance, job: 'kafka' },
    annotations: { summary: `${name} on ${instance}`, description: 'longer text' },
    startsAt: iso(T0 - MIN),
    endsAt: ZERO,
    generatorURL: 'http://127.0.0.1:19490/graph?g0.expr=up',
    fingerprint: `fp-${name}-${instance}`,
    ...rest,
  };
}

const notification = (alerts: AlertmanagerAlert[]): AlertmanagerWebhook => ({
  version: '4',
  groupKey: '{}:{alertname="x"}',
  truncatedAlerts: 0,
  status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
  receiver: 'pulse',
  groupLabels: {},
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://127.0.0.1:19493',
  alerts,
});

const names = (list: AlertBoardSnapshot['firing']) => list.map((a) => a.name);

describe('alert board', () => {
  test('a firing alert is shown with the fields the strip needs', () => {
    const time = clock();
    const board = createAlertBoard({ now: time.now });
    const result = board.apply(notification([alert('KafkaBrokerDown')]));
    assert.deepEqual(result, { changed: true, firing: 1, resolved: 0, stale: 0 });
    const snapshot = board.snapshot();
    assert.equal(snapshot.serverTime, T0);
    assert.equal(snapshot.notifications, 1);
    assert.equal(snapshot.lastNotificationAt, T0);
    assert.equal(snapshot.source, 'http://127.0.0.1:19493');
    assert.deepEqual(snapshot.resolved, []);
    const [shown] = snapshot.firing;
    assert.ok(shown !== undefined);
    assert.equal(shown.fingerprint, 'fp-KafkaBrokerDown-127.0.0.1:19405');
    assert.equal(shown.status, 'firing');
    assert.equal(shown.name, 'KafkaBrokerDown');
    assert.equal(shown.severity, 'critical');
    assert.equal(shown.summary, 'KafkaBrokerDown on 127.0.0.1:19405');
    assert.equal(shown.description, 'longer text');
    assert.equal(shown.instance, '127.0.0.1:19405');
    assert.equal(shown.startsAt, T0 - MIN);
    assert.equal(shown.endsAt, null, 'the zero time Alertmanager sends for a firing alert is no end');
    assert.equal(shown.generatorURL, 'http://127.0.0.1:19490/graph?g0.expr=up');
    assert.equal(shown.notifications, 1);
  });

  test('firing → resolved moves the alert to the resolved list with its end time; a new episode fires again', () => {
    const time = clock();
    const board = createAlertBoard({ now: time.now });
    board.apply(notification([alert('KafkaBrokerDown'), alert('KafkaUnderReplicatedPartitions', { severity: 'warning' })]));
    time.advance(2 * MIN);
    const result = board.apply(notification([alert('KafkaBrokerDown', { status: 'resolved', endsAt: iso(T0 + MIN) })]));
    assert.deepEqual(result, { changed: true, firing: 0, resolved: 1, stale: 0 });
    let snapshot = board.snapshot();
    assert.deepEqual(names(snapshot.firing), ['KafkaUnderReplicatedPartitions']);
    assert.deepEqual(names(snapshot.resolved), ['KafkaBrokerDown']);
    assert.equal(snapshot.resolved[0]?.endsAt, T0 + MIN);
    assert.equal(snapshot.resolved[0]?.status, 'resolved');

    time.advance(MIN);
    board.apply(notification([alert('KafkaBrokerDown', { startsAt: iso(T0 + 2 * MIN) })]));
    snapshot = board.snapshot();
    assert.deepEqual(names(snapshot.firing), ['KafkaBrokerDown', 'KafkaUnderReplicatedPartitions']);
    assert.deepEqual(snapshot.resolved, []);
    assert.equal(snapshot.firing[0]?.startsAt, T0 + 2 * MIN);
    assert.equal(snapshot.firing[0]?.notifications, 1, 'a new episode counts its notifications afresh');
  });

  test('a resolved alert without an end time ends when it was received', () => {
    const time = clock();
    const board = createAlertBoard({ now: time.now });
    board.apply(notification([alert('KafkaBrokerDown', { status: 'resolved', endsAt: ZERO })]));
    assert.equal(board.snapshot().resolved[0]?.endsAt, T0);
  });

  test('repeated notifications of the same alert change nothing shown and do not tell the subscribers', () => {
    const time = clock();
    const board = createAlertBoard({ now: time.now });
    const told: AlertBoardSnapshot[] = [];
    board.subscribe((snapshot) => told.push(snapshot));
    board.apply(notification([alert('KafkaBrokerDown')]));
    time.advance(4 * 3_600_000); // repeat_interval
    const result = board.apply(notification([alert('KafkaBrokerDown')]));
    assert.equal(result.changed, false);
    assert.equal(told.length, 1);
    const [shown] = board.snapshot().firing;
    assert.equal(board.snapshot().firing.length, 1);
    assert.equal(shown?.notifications, 2);
    assert.equal(shown?.firstReceivedAt, T0);
    assert.equal(shown?.lastReceivedAt, T0 + 4 * 3_600_000);
    assert.equal(board.snapshot().notifications, 2);
  });

  test('a changed annotation of a firing alert is a change', () => {
    const board = createAlertBoard({ now: clock().now });
    board.apply(notification([alert('KafkaConsumerLagHigh')]));
    const result = board.apply(notification([alert('KafkaConsumerLagHigh', { annotations: { summary: 'lag 90000' } })]));
    assert.equal(result.changed, true);
    assert.equal(board.snapshot().firing[0]?.summary, 'lag 90000');
  });

  test('a late resolution of an earlier episode does not resolve the one firing now', () => {
    const time = clock();
    const board = createAlertBoard({ now: time.now });
    board.apply(notification([alert('KafkaBrokerDown', { startsAt: iso(T0) })]));
    const late = alert('KafkaBrokerDown', { status: 'resolved', startsAt: iso(T0 - 10 * MIN), endsAt: iso(T0 - 5 * MIN) });
    assert.deepEqual(board.apply(notification([late])), { changed: false, firing: 0, resolved: 0, stale: 1 });
    assert.deepEqual(names(board.snapshot().firing), ['KafkaBrokerDown']);
  });

  test('a resolution Pulse never saw firing (it restarted meanwhile) is still shown as resolved', () => {
    const board = createAlertBoard({ now: clock().now });
    board.apply(notification([alert('KafkaOfflinePartitions', { status: 'resolved', endsAt: iso(T0 - MIN) })]));
    assert.deepEqual(names(board.snapshot().resolved), ['KafkaOfflinePartitions']);
  });

  test('resolved alerts expire after the retention, and prune tells the subscribers once', () => {
    const time = clock();
    const board = createAlertBoard({ now: time.now, resolvedTtlMs: 3_600_000 });
    board.apply(notification([alert('KafkaBrokerDown', { status: 'resolved', endsAt: iso(T0) })]));
    const told: AlertBoardSnapshot[] = [];
    board.subscribe((snapshot) => told.push(snapshot));
    time.advance(59 * MIN);
    assert.equal(board.prune(), false);
    assert.equal(board.snapshot().resolved.length, 1);
    time.advance(2 * MIN);
    assert.equal(board.snapshot().resolved.length, 0, 'an expired alert is not shown even before the next prune');
    assert.equal(board.prune(), true);
    assert.equal(told.length, 1);
    assert.deepEqual(told[0]?.resolved, []);
    assert.equal(board.prune(), false);
  });

  test('firing alerts never expire by time', () => {
    const time = clock();
    const board = createAlertBoard({ now: time.now });
    board.apply(notification([alert('KafkaBrokerDown')]));
    time.advance(48 * 3_600_000);
    assert.equal(board.prune(), false);
    assert.equal(board.snapshot().firing.length, 1);
  });

  test('at most maxResolved resolved alerts are kept, the most recently ended first', () => {
    const board = createAlertBoard({ now: clock().now, maxResolved: 3 });
    const resolved = [1, 2, 3, 4, 5].map((i) =>
      alert(`A${i}`, { status: 'resolved', startsAt: iso(T0 - 20 * MIN), endsAt: iso(T0 - (10 - i) * MIN) }),
    );
    board.apply(notification(resolved));
    assert.deepEqual(names(board.snapshot().resolved), ['A5', 'A4', 'A3']);
  });

  test('at most maxFiring firing alerts are kept, the least recently notified go first', () => {
    const time = clock();
    const board = createAlertBoard({ now: time.now, maxFiring: 2 });
    board.apply(notification([alert('A1')]));
    time.advance(1000);
    board.apply(notification([alert('A2')]));
    time.advance(1000);
    board.apply(notification([alert('A1')])); // A1 again: now A2 is the least recent
    time.advance(1000);
    board.apply(notification([alert('A3')]));
    assert.deepEqual(names(board.snapshot().firing).sort(), ['A1', 'A3']);
  });

  test('firing alerts are ordered by severity, then newest first', () => {
    const board = createAlertBoard({ now: clock().now });
    board.apply(
      notification([
        alert('Info', { severity: 'info', startsAt: iso(T0) }),
        alert('OldCritical', { severity: 'critical', startsAt: iso(T0 - 10 * MIN) }),
        alert('Warning', { severity: 'warning', startsAt: iso(T0) }),
        alert('NewCritical', { severity: 'critical', startsAt: iso(T0 - MIN) }),
        alert('NoSeverity', { startsAt: iso(T0), labels: { alertname: 'NoSeverity' } }),
      ]),
    );
    assert.deepEqual(names(board.snapshot().firing), ['NewCritical', 'OldCritical', 'Warning', 'Info', 'NoSeverity']);
    assert.equal(board.snapshot().firing.at(-1)?.severity, 'none');
    assert.equal(board.snapshot().firing.at(-1)?.instance, null);
  });

  test('without a fingerprint the same label set is the same alert, whatever the label order', () => {
    const a = fingerprintOf({ labels: { alertname: 'X', instance: 'a' } });
    const b = fingerprintOf({ labels: { instance: 'a', alertname: 'X' } });
    const c = fingerprintOf({ labels: { instance: 'b', alertname: 'X' } });
    assert.equal(a, b);
    assert.notEqual(a, c);
    const board = createAlertBoard({ now: clock().now });
    const unfingerprinted: AlertmanagerAlert = { ...alert('X') };
    delete unfingerprinted.fingerprint;
    board.apply(notification([unfingerprinted]));
    board.apply(notification([{ ...unfingerprinted, status: 'resolved', endsAt: iso(T0) }]));
    assert.equal(board.snapshot().firing.length, 0);
    assert.equal(board.snapshot().resolved.length, 1);
  });

  test('an unsubscribed listener hears nothing more', () => {
    const board = createAlertBoard({ now: clock().now });
    let heard = 0;
    const unsubscribe = board.subscribe(() => (heard += 1));
    board.apply(notification([alert('A')]));
    unsubscribe();
    board.apply(notification([alert('B')]));
    assert.equal(heard, 1);
  });
});
