/**
 * What the Alerts strip shows, as plain data: no DOM, so unit tests run it in
 * Node. Firing alerts first (the board sends them most severe first), then
 * the recently resolved ones, greyed.
 */
import type { AlertBoardSnapshot, BoardAlert } from './alerts-types.ts';

/** The colour a severity is drawn in; unknown severities are neutral. */
export type SeverityTone = 'critical' | 'warning' | 'info' | 'none';

const tones: Record<string, SeverityTone> = {
  critical: 'critical',
  page: 'critical',
  error: 'critical',
  high: 'critical',
  warning: 'warning',
  medium: 'warning',
  info: 'info',
  low: 'info',
};

export const severityTone = (severity: string): SeverityTone => tones[severity.toLowerCase()] ?? 'none';

const toneOrder: readonly SeverityTone[] = ['critical', 'warning', 'info', 'none'];

export interface StripItem {
  key: string;
  status: BoardAlert['status'];
  tone: SeverityTone;
  severity: string;
  name: string;
  summary: string | null;
  instance: string | null;
  /** "for 5m" while firing, "resolved 2m ago" once resolved. */
  when: string;
  /** The absolute times, for the tooltip. */
  whenTitle: string;
  /** `annotations.runbook_url` when it is an http(s) link. */
  runbook: string | null;
  /** Tooltip: description and labels. */
  details: string;
}

export interface StripModel {
  /** Nothing fires and nothing resolved recently: the strip is hidden. */
  hidden: boolean;
  /** `firing` while anything fires, else `resolved`. */
  state: 'firing' | 'resolved';
  /** The tone of the most severe firing alert (the strip's colour); `none` when nothing fires. */
  tone: SeverityTone;
  /** "2 firing · 1 resolved". */
  count: string;
  items: StripItem[];
}

/** A span of time, short: "45s", "5m", "1h 02m", "3d 4h". */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const s = Math.floor(Math.max(0, ms) / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

const httpLink = (value: string | undefined): string | null => {
  if (value === undefined) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
};

const stamp = (ms: number): string => new Date(ms).toLocaleString();

function itemOf(alert: BoardAlert, serverNow: number): StripItem {
  const resolved = alert.status === 'resolved';
  const ended = alert.endsAt ?? alert.lastReceivedAt;
  const labels = Object.entries(alert.labels)
    .filter(([name]) => name !== 'alertname')
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  return {
    key: alert.fingerprint,
    status: alert.status,
    tone: severityTone(alert.severity),
    severity: alert.severity,
    name: alert.name,
    summary: alert.summary,
    instance: alert.instance,
    when: resolved ? `resolved ${formatSpan(serverNow - ended)} ago` : `for ${formatSpan(serverNow - alert.startsAt)}`,
    whenTitle: resolved ? `firing from ${stamp(alert.startsAt)} to ${stamp(ended)}` : `firing since ${stamp(alert.startsAt)}`,
    runbook: httpLink(alert.annotations['runbook_url']),
    details: [alert.description, labels].filter((part) => part !== null && part !== '').join('\n'),
  };
}

/** `serverNow`: the server's clock as far as the page can tell (its last snapshot, moved on by the page's clock). */
export function stripModel(board: AlertBoardSnapshot, serverNow: number): StripModel {
  const firing = board.firing.length;
  const resolved = board.resolved.length;
  const parts = [firing > 0 ? `${firing} firing` : '', resolved > 0 ? `${resolved} resolved` : ''].filter((part) => part !== '');
  const firingTones = new Set(board.firing.map((alert) => severityTone(alert.severity)));
  return {
    hidden: firing + resolved === 0,
    state: firing > 0 ? 'firing' : 'resolved',
    tone: toneOrder.find((tone) => firingTones.has(tone)) ?? 'none',
    count: parts.join(' · '),
    items: [...board.firing, ...board.resolved].map((alert) => itemOf(alert, serverNow)),
  };
}
