import assert from 'node:assert/strict';
import { test } from 'node:test';
import { topicNames } from '../../../src/bus/topics.ts';
import { planBatch } from '../../../src/ingest/plan-batch.ts';
import { compileShield, ipRuleProblem, pathRuleProblem } from '../../../src/ingest/shields.ts';
import { CHROME_UA, pageView } from '../../helpers/events.ts';

test('an address, a CIDR range (IPv4 and IPv6) and a path with * each shield; others pass', () => {
  const shield = compileShield({ excludedIps: ['203.0.113.7', '10.20.0.0/16', '2001:db8::/32'], excludedPaths: ['/admin/*', '/preview'] });
  assert.ok(shield !== undefined);
  const url = 'https://shop.example/products/1';
  assert.equal(shield.reasonFor('203.0.113.7', url), 'shield_ip');
  assert.equal(shield.reasonFor('::ffff:203.0.113.7', url), 'shield_ip', 'IPv4 on a dual-stack socket');
  assert.equal(shield.reasonFor('10.20.255.1', url), 'shield_ip');
  assert.equal(shield.reasonFor('10.21.0.1', url), undefined);
  assert.equal(shield.reasonFor('2001:db8:1::5', url), 'shield_ip');
  assert.equal(shield.reasonFor('2001:db9::5', url), undefined);
  assert.equal(shield.reasonFor(null, url), undefined);
  assert.equal(shield.reasonFor('198.51.100.1', 'https://shop.example/admin/users?x=1'), 'shield_path');
  assert.equal(shield.reasonFor('198.51.100.1', 'https://shop.example/admin'), undefined, '/admin/* needs the slash');
  assert.equal(shield.reasonFor('198.51.100.1', 'https://shop.example/preview'), 'shield_path');
  assert.equal(shield.reasonFor('198.51.100.1', 'https://shop.example/preview/2'), undefined, 'no * matches the path exactly');
  assert.equal(compileShield({ excludedIps: [], excludedPaths: [] }), undefined);
});

test('bad rules are named before they are stored', () => {
  assert.equal(ipRuleProblem('10.0.0.0/8'), undefined);
  assert.equal(ipRuleProblem('::1'), undefined);
  assert.match(ipRuleProblem('10.0.0.0/33') ?? '', /prefix length/);
  assert.match(ipRuleProblem('office') ?? '', /not an IP address/);
  assert.match(ipRuleProblem('10.0.0.1/8/2') ?? '', /not an IP address/);
  assert.equal(pathRuleProblem('/admin/*'), undefined);
  assert.match(pathRuleProblem('admin') ?? '', /starting with \//);
});

test('planBatch drops shielded events without a record or an error, and counts them by reason', () => {
  const shield = compileShield({ excludedIps: ['127.0.0.0/8'], excludedPaths: ['/admin/*'] });
  const options = {
    sites: new Set(['office', 'shop']),
    topics: topicNames(''),
    allowedTypes: ['page_view'] as const,
    source: '/api/events',
    shieldOf: (site: string) =>
      site === 'office' ? shield : site === 'shop' ? compileShield({ excludedIps: [], excludedPaths: ['/admin/*'] }) : undefined,
  };
  const context = { ip: '127.0.0.1', userAgent: CHROME_UA, now: new Date(), anonymizeIp: false };
  const plan = planBatch(
    [
      pageView({ site: 'office' }),
      pageView({ site: 'shop', url: 'https://shop.example/admin/orders' }),
      pageView({ site: 'shop', url: 'https://shop.example/cart' }),
    ],
    context,
    options,
  );
  assert.deepEqual(plan.shielded, { shield_ip: 1, shield_path: 1 });
  assert.equal(plan.accepted, 1);
  assert.deepEqual(plan.rejections, []);
  assert.equal(plan.records.length, 1);
  assert.match(String(plan.records[0]?.value), /\/cart/);
});
