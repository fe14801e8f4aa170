import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enrichEvent } from '../../../src/contract/enrich-event.ts';
import { anonymizeIp } from '../../../src/contract/ip.ts';
import { parseUserAgent } from '../../../src/contract/user-agent.ts';

const now = new Date('2026-11-23T10:00:00.000Z');
const event = {
  type: 'page_view' as const,
  site: 'demo',
  user_id: 'u1',
  session_id: 's1',
  url: 'https://shop.example/a/b?utm_source=x&utm_content=banner#top',
  referrer: 'https://news.example/item?id=1',
};

test('adds server time, ids, URL parts, referrer host and UTM', () => {
  const enriched = enrichEvent(event, { ip: '203.0.113.77', userAgent: '', now, anonymizeIp: false });
  assert.equal(enriched.received_at, '2026-11-23T10:00:00.000Z');
  assert.equal(enriched.v, 1);
  assert.match(enriched.event_id, /^[0-9a-f-]{36}$/);
  assert.equal(enriched.host, 'shop.example');
  assert.equal(enriched.path, '/a/b');
  assert.equal(enriched.referrer_host, 'news.example');
  assert.equal(enriched.utm_source, 'x');
  assert.equal(enriched.utm_content, 'banner');
  assert.equal(enriched.utm_medium, null);
  assert.equal(enriched.ip, '203.0.113.77');
  assert.equal(enriched.is_bot, true, 'an empty User-Agent is not a browser');
});

test('keeps a client event_id and anonymises the IP when asked', () => {
  const enriched = enrichEvent(
    { ...event, event_id: 'client-123456' },
    { ip: '203.0.113.77', userAgent: 'curl/8.0', now, anonymizeIp: true },
  );
  assert.equal(enriched.event_id, 'client-123456');
  assert.equal(enriched.ip, '203.0.113.0');
});

test('anonymizeIp drops the host part of v4, mapped v4 and v6 addresses', () => {
  assert.equal(anonymizeIp('192.168.10.200'), '192.168.10.0');
  assert.equal(anonymizeIp('::ffff:10.1.2.3'), '10.1.2.0');
  assert.equal(anonymizeIp('2001:db8:abcd:12:1:2:3:4'), '2001:db8:abcd::');
  assert.equal(anonymizeIp('2001:db8::1'), '2001:db8:0::');
});

test('user agents are parsed into browser, OS, device and bot flag', () => {
  const iphone = parseUserAgent(
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  );
  assert.deepEqual(iphone, { browser: 'Mobile Safari', browser_version: '17', os: 'iOS', device: 'mobile', is_bot: false, bot_name: null });
  const bot = parseUserAgent('Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)');
  assert.equal(bot.is_bot, true);
  assert.equal(bot.bot_name, 'bingbot');
  assert.equal(bot.device, 'bot');
});
