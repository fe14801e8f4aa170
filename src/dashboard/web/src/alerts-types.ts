/**
 * The alert board as GET /api/alerts and the `alerts` events of
 * /api/alerts/stream send it: the dashboard's copy of src/alerts/alert-board.ts
 * (the browser build cannot import server modules; a unit test checks that the
 * server's types still fit these).
 */

export type AlertStatus = 'firing' | 'resolved';

export interface BoardAlert {
  fingerprint: string;
  status: AlertStatus;
  name: string;
  severity: string;
  summary: string | null;
  description: string | null;
  instance: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Epoch ms. */
  startsAt: number;
  /** When a resolved alert ended (epoch ms); null while it fires. */
  endsAt: number | null;
  generatorURL: string | null;
  firstReceivedAt: number;
  lastReceivedAt: number;
  notifications: number;
}

export interface AlertBoardSnapshot {
  serverTime: number;
  firing: BoardAlert[];
  resolved: BoardAlert[];
  notifications: number;
  lastNotificationAt: number | null;
  source: string | null;
}
