import { createHash } from 'node:crypto';
import type { AlertStatus, AlertmanagerAlert, AlertmanagerWebhook } from './alert-schema.ts';

/** One alert as the dashboard shows it: the notification's alert with the fields the strip needs picked out. */
export interface BoardAlert {
  /** Alertmanager's fingerprint of the label set: the alert's identity across notifications. */
  fingerprint: string;
  status: AlertStatus;
  /** `labels.alertname`. */
  name: string;
  /** `labels.severity`, or `none`. */
  severity: string;
  /** `annotations.summary` (else `message`), if any. */
  summary: string | null;
  description: string | null;
  /** `labels.instance` (else `pod`, `job`), what the alert is about. */
  instance: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Epoch ms. */
  startsAt: number;
  /** When a resolved alert ended (epoch ms); null while it fires. */
  endsAt: number | null;
  generatorURL: string | null;
  /** When Pulse first and last heard of this episode of the alert (epoch ms). */
  firstReceivedAt: number;
  lastReceivedAt: number;
  /** Notifications that named this episode (Alertmanager repeats firing alerts every `repeat_interval`). */
  notifications: number;
}

export interface AlertBoardSnapshot {
  serverTime: number;
  /** Most severe first, then the newest. */
  firing: BoardAlert[];
  /** Resolved in the last `resolvedTtlMs`, at most `maxResolved`, the most recently ended first. */
  resolved: BoardAlert[];
  /** Notifications received since this process started. */
  notifications: number;
  lastNotificationAt: number | null;
  /** Where the last notification came from (the Alertmanager's `externalURL`). */
  source: string | null;
}

export interface ApplyResult {
  /** Whether what the board shows changed. */
  changed: boolean;
  firing: number;
  resolved: number;
  /** Alerts of the notification that were older than what the board knows (a late retry), and left out. */
  stale: number;
}

export interface AlertBoardOptions {
  /** How long a resolved alert stays on the board; default 1 h. */
  resolvedTtlMs?: number;
  /** Most resolved alerts kept; default 50. */
  maxResolved?: number;
  /** Most firing alerts kept (the least recently notified go first); default 1000. */
  maxFiring?: number;
  now?: () => number;
}

export interface AlertBoard {
  /** Takes in one Alertmanager notification. */
  apply(notification: AlertmanagerWebhook): ApplyResult;
  snapshot(): AlertBoardSnapshot;
  /** Drops resolved alerts past their time; tells the subscribers when something went. */
  prune(): boolean;
  /** Called with the new snapshot after every change; returns the unsubscribe function. */
  subscribe(listener: (snapshot: AlertBoardSnapshot) => void): () => void;
}

const severityRank: Record<string, number> = { critical: 0, page: 0, error: 1, high: 1, warning: 2, medium: 2, info: 3, low: 3 };
const rankOf = (severity: string): number => severityRank[severity.toLowerCase()] ?? 4;

/** Alertmanager sends `0001-01-01T00:00:00Z` as the end of an alert that still fires. */
const timeOf = (value: string | undefined): number | null => {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms > 0 ? ms : null;
};

/** Alertmanager always sends a fingerprint; for other senders the same label set gives the same id. */
export function fingerprintOf(alert: Pick<AlertmanagerAlert, 'fingerprint' | 'labels'>): string {
  if (alert.fingerprint !== undefined) return alert.fingerprint;
  const sorted = Object.entries(alert.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `labels:${createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16)}`;
}

const firstOf = (record: Record<string, string>, names: readonly string[]): string | null => {
  for (const name of names) {
    const value = record[name];
    if (value !== undefined && value !== '') return value;
  }
  return null;
};

const sameEpisode = (a: BoardAlert, b: BoardAlert): boolean =>
  a.status === b.status &&
  a.startsAt === b.startsAt &&
  a.endsAt === b.endsAt &&
  JSON.stringify(a.labels) === JSON.stringify(b.labels) &&
  JSON.stringify(a.annotations) === JSON.stringify(b.annotations) &&
  a.generatorURL === b.generatorURL;

/**
 * The alerts Alertmanager told this process about, by fingerprint, in memory: the firing ones
 * until Alertmanager says they are resolved, and the resolved ones for a while, so the dashboard
 * can show what just recovered. A restarted Pulse starts empty and learns the firing alerts again
 * from Alertmanager's next notification of each group (`repeat_interval`, or any change).
 */
export function createAlertBoard(options: AlertBoardOptions = {}): AlertBoard {
  const resolvedTtlMs = options.resolvedTtlMs ?? 3_600_000;
  const maxResolved = options.maxResolved ?? 50;
  const maxFiring = options.maxFiring ?? 1000;
  const now = options.now ?? Date.now;
  const alerts = new Map<string, BoardAlert>();
  const listeners = new Set<(snapshot: AlertBoardSnapshot) => void>();
  let notifications = 0;
  let lastNotificationAt: number | null = null;
  let source: string | null = null;

  const expired = (alert: BoardAlert, at: number): boolean =>
    alert.status === 'resolved' && (alert.endsAt ?? alert.lastReceivedAt) < at - resolvedTtlMs && alert.lastReceivedAt < at - resolvedTtlMs;

  const byStatus = (status: AlertStatus, at: number): BoardAlert[] =>
    [...alerts.values()].filter((alert) => alert.status === status && !expired(alert, at));

  function snapshot(): AlertBoardSnapshot {
    const at = now();
    const firing = byStatus('firing', at).sort((a, b) => rankOf(a.severity) - rankOf(b.severity) || b.startsAt - a.startsAt);
    const resolved = byStatus('resolved', at)
      .sort((a, b) => (b.endsAt ?? b.lastReceivedAt) - (a.endsAt ?? a.lastReceivedAt))
      .slice(0, maxResolved);
    return { serverTime: at, firing, resolved, notifications, lastNotificationAt, source };
  }

  function notify(): void {
    if (listeners.size === 0) return;
    const current = snapshot();
    for (const listener of listeners) listener(current);
  }

  /** Keeps the board within its bounds: the oldest resolved beyond `maxResolved`, the least recently notified firing beyond `maxFiring`. */
  function trim(at: number): boolean {
    let changed = false;
    const drop = (list: BoardAlert[], keep: number) => {
      for (const alert of list.slice(keep)) changed = alerts.delete(alert.fingerprint) || changed;
    };
    for (const alert of alerts.values()) if (expired(alert, at)) changed = alerts.delete(alert.fingerprint) || changed;
    drop(
      [...alerts.values()].filter((a) => a.status === 'resolved').sort((a, b) => (b.endsAt ?? 0) - (a.endsAt ?? 0)),
      maxResolved,
    );
    drop(
      [...alerts.values()].filter((a) => a.status === 'firing').sort((a, b) => b.lastReceivedAt - a.lastReceivedAt),
      maxFiring,
    );
    return changed;
  }

  /** What the board holds for `incoming` after this notification; `stale` when the notification is older than the board. */
  function merge(incoming: AlertmanagerAlert, at: number): BoardAlert | 'stale' {
    const fingerprint = fingerprintOf(incoming);
    const known = alerts.get(fingerprint);
    const startsAt = timeOf(incoming.startsAt) ?? at;
    const endsAt = incoming.status === 'resolved' ? (timeOf(incoming.endsAt) ?? at) : null;
    // A resolution of an episode that ended before the one on the board began: a late retry.
    if (known !== undefined && incoming.status === 'resolved' && endsAt !== null && endsAt < known.startsAt) return 'stale';
    const annotations = incoming.annotations ?? {};
    const continues = known !== undefined && known.startsAt === startsAt;
    return {
      fingerprint,
      status: incoming.status,
      name: incoming.labels['alertname'] ?? '(unnamed alert)',
      severity: incoming.labels['severity'] ?? 'none',
      summary: firstOf(annotations, ['summary', 'message', 'title']),
      description: firstOf(annotations, ['description']),
      instance: firstOf(incoming.labels, ['instance', 'pod', 'job']),
      labels: incoming.labels,
      annotations,
      startsAt,
      endsAt,
      generatorURL: incoming.generatorURL ?? null,
      firstReceivedAt: continues ? known.firstReceivedAt : at,
      lastReceivedAt: at,
      notifications: continues ? known.notifications + 1 : 1,
    };
  }

  return {
    apply(notification) {
      const at = now();
      notifications += 1;
      lastNotificationAt = at;
      source = notification.externalURL ?? source;
      const result: ApplyResult = { changed: false, firing: 0, resolved: 0, stale: 0 };
      for (const incoming of notification.alerts) {
        const merged = merge(incoming, at);
        if (merged === 'stale') {
          result.stale += 1;
          continue;
        }
        result[merged.status] += 1;
        const known = alerts.get(merged.fingerprint);
        if (known === undefined || !sameEpisode(known, merged)) result.changed = true;
        alerts.delete(merged.fingerprint); // re-inserted last: the most recently notified
        alerts.set(merged.fingerprint, merged);
      }
      if (trim(at)) result.changed = true;
      if (result.changed) notify();
      return result;
    },
    snapshot,
    prune() {
      const changed = trim(now());
      if (changed) notify();
      return changed;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
