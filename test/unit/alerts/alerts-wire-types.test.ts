import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertBoardSnapshot, BoardAlert } from '../../../src/alerts/alert-board.ts';
import type * as Web from '../../../src/dashboard/web/src/alerts-types.ts';

/**
 * The Alerts strip keeps its own copy of the board's types (the browser build
 * cannot import server modules). These assignments only compile while the
 * server's shapes still fit the dashboard's, so `tsc` fails on a drift.
 */
type Fits<Server, Client> = [Server] extends [Client] ? true : false;
const checks: { alert: Fits<BoardAlert, Web.BoardAlert>; board: Fits<AlertBoardSnapshot, Web.AlertBoardSnapshot> } = {
  alert: true,
  board: true,
};

test("the server's alert board types fit the Alerts strip's copies (checked by tsc)", () => {
  assert.ok(Object.values(checks).every(Boolean));
});
