import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compareBinary,
  eventsPerSecondFigures,
  feedLabel,
  heatCell,
  isQuickExit,
  lastHourMinutes,
  minuteStillReadable,
  planEvent,
  rankPages,
  secondStillReadable,
  seriesSeconds,
  sessionFigures,
  snapshotSizes,
} from '../../../src/stores/realtime/aggregate-keys.ts';
import { NOW, realtimeEvent } from '../../helpers/realtime-store-suite.ts';

describe('realtime aggregate helpers', () => {
  test('the last hour is the minute holding now and the 59 before it', () => {
    const minutes = lastHourMinutes(NOW);
    assert.equal(minutes.length, 60);
    assert.equal(minutes.at(-1), Math.floor(NOW / 60_000));
    assert.equal(minutes[0], Math.floor(NOW / 60_000) - 59);
    assert.ok(minuteStillReadable(Math.floor((NOW - 59 * 60_000) / 60_000), NOW));
    assert.ok(!minuteStillReadable(Math.floor((NOW - 60 * 60_000) / 60_000), NOW));
  });

  test('the events/s series is the 60 whole seconds before now', () => {
    const seconds = seriesSeconds(NOW);
    assert.equal(seconds.length, 60);
    assert.equal(seconds.at(-1), Math.floor(NOW / 1000) - 1);
    assert.ok(secondStillReadable(seconds[0] as number, NOW));
    assert.ok(!secondStillReadable((seconds[0] as number) - 1, NOW));
    const figures = eventsPerSecondFigures(NOW, (second) => (second === seconds.at(-1) ? 7 : 1));
    assert.equal(figures.eventsPerSecond, (7 + 9) / 10);
  });

  test('heat cells: floor(x / viewport * 50), clamped to the grid, none without a viewport', () => {
    assert.deepEqual(heatCell(0, 0, 100, 100), { cx: 0, cy: 0 });
    assert.deepEqual(heatCell(99.9, 1.99, 100, 100), { cx: 49, cy: 0 });
    assert.deepEqual(heatCell(100, 2, 100, 100), { cx: 49, cy: 1 });
    assert.deepEqual(heatCell(1e6, 50, 100, 100), { cx: 49, cy: 25 });
    assert.equal(heatCell(10, 10, null, 100), null);
    assert.equal(heatCell(10, 10, 100, 0), null);
  });

  test('feed labels and planned contributions', () => {
    const at = NOW;
    assert.equal(feedLabel(realtimeEvent('custom', { site: 'd', user: 'u', at, name: 'n' })), 'n');
    assert.equal(feedLabel(realtimeEvent('click', { site: 'd', user: 'u', at, text: 'Go', selector: '#go' })), 'Go');
    assert.equal(feedLabel(realtimeEvent('click', { site: 'd', user: 'u', at })), null);
    assert.equal(feedLabel(realtimeEvent('page_view', { site: 'd', user: 'u', at })), null);
    const planned = planEvent(realtimeEvent('mouse_move', { site: 'd', user: 'u', at, x: 10, y: 20, viewport_w: 100 }));
    assert.deepEqual(planned.mouse, { x: 10, y: 20, viewportW: 100, viewportH: null, cell: null });
    assert.equal(planned.minute, Math.floor(NOW / 60_000));
    assert.throws(() => planEvent({ ...realtimeEvent('click', { site: 'd', user: 'u', at }), received_at: 'yesterday' }), RangeError);
  });

  test('a quick exit is a page view with a known duration under 5 s', () => {
    assert.deepEqual([0, 4.99, 5, 600, undefined, Number.NaN, '1'].map(isQuickExit), [true, true, false, false, false, false, false]);
    const view = (duration?: number) =>
      planEvent(realtimeEvent('page_view', { site: 'd', user: 'u', at: NOW, ...(duration === undefined ? {} : { duration }) })).quickExit;
    assert.deepEqual([view(1), view(5), view()], [true, false, false]);
    assert.equal(planEvent(realtimeEvent('click', { site: 'd', user: 'u', at: NOW, duration: 1 })).quickExit, false, 'views only');
  });

  test('pages rank by views, ties in descending byte order like ZREVRANGE', () => {
    assert.deepEqual(
      rankPages(
        [
          ['/a', 2],
          ['/b', 2],
          ['/c', 5],
          ['/zero', 0],
        ],
        10,
      ),
      [
        { path: '/c', views: 5 },
        { path: '/b', views: 2 },
        { path: '/a', views: 2 },
      ],
    );
    // UTF-8 byte order: U+FFFD (EF BF BD) sorts before U+1F600 (F0 9F 98 80), unlike UTF-16 code units.
    assert.ok(compareBinary('\uFFFD', '😀') < 0);
    assert.ok('\uFFFD' > '😀');
    assert.ok(compareBinary('/a', '/ab') < 0);
    assert.equal(compareBinary('/x', '/x'), 0);
  });

  test('sessions and snapshot sizes', () => {
    assert.deepEqual(sessionFigures(0, 0, 0), { count: 0, bounceRate: 0, avgDurationSeconds: 0 });
    assert.deepEqual(sessionFigures(4, 1, 8000), { count: 4, bounceRate: 0.25, avgDurationSeconds: 2 });
    assert.deepEqual(snapshotSizes(undefined), { topN: 10, feedSize: 50 });
    assert.deepEqual(snapshotSizes({ topN: -3, feedSize: 1e9 }), { topN: 0, feedSize: 100 });
  });
});
