import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AUTOMATED_BROWSER,
  NO_USER_AGENT,
  UNNAMED_BOT,
  botNameOf,
  botNameOfUserAgent,
  countBotsIn,
  countNoBots,
  isBotTraffic,
} from '../../../src/contract/bot-traffic.ts';
import { enrichEvent } from '../../../src/contract/enrich-event.ts';
import type { WireEvent } from '../../../src/contract/event-schema.ts';
import { validateEnrichedEvent, validateEvent } from '../../../src/contract/validate-event.ts';

const chrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const iphone =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const pageView: WireEvent = { type: 'page_view', site: 'demo', user_id: 'u1', session_id: 's1', url: 'https://shop.example/a' };
const enrich = (userAgent: string, event: WireEvent = pageView) =>
  enrichEvent(event, { ip: null, userAgent, now: new Date('2026-11-23T10:00:00.000Z'), anonymizeIp: false });

test('bot User-Agents are named by their product token, without version', () => {
  const names: [string, string][] = [
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'Googlebot'],
    ['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 'bingbot'],
    ['curl/8.0', 'curl'],
    ['python-requests/2.31', 'python-requests'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36', 'HeadlessChrome'],
    ['Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0; +https://openai.com/gptbot)', 'GPTBot'],
    ['Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)', 'AhrefsBot'],
    ['facebookexternalhit/1.1', 'facebookexternalhit'],
    ['', NO_USER_AGENT],
  ];
  for (const [userAgent, name] of names) assert.equal(botNameOfUserAgent(userAgent), name, userAgent);
  for (const human of [chrome, iphone, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0']) {
    assert.equal(botNameOfUserAgent(human), null, human);
  }
});

test("the issue's four requests are flagged at ingest: Googlebot, bingbot, curl, python-requests", () => {
  const agents = {
    Googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    bingbot: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    curl: 'curl/8.0',
    'python-requests': 'python-requests/2.31',
  };
  for (const [name, userAgent] of Object.entries(agents)) {
    const event = enrich(userAgent);
    assert.equal(event.is_bot, true, name);
    assert.equal(event.bot_name, name);
    assert.equal(event.device, 'bot');
  }
});

test('no User-Agent, or the tracker reporting automation, is bot traffic too; a browser is not', () => {
  assert.deepEqual(pick(enrich('')), { is_bot: true, bot_name: NO_USER_AGENT, automated: undefined });
  assert.deepEqual(pick(enrich(chrome)), { is_bot: false, bot_name: null, automated: undefined });
  const automated = enrich(chrome, { ...pageView, automated: true });
  assert.deepEqual(pick(automated), { is_bot: true, bot_name: AUTOMATED_BROWSER, automated: true });
  assert.equal(automated.device, 'desktop', 'the device still comes from the User-Agent');
  assert.equal(enrich(iphone, { ...pageView, automated: false }).is_bot, false, 'automated: false is a human');
  // A headless browser is named by its User-Agent, whether or not it reports automation.
  const headless = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36';
  assert.equal(enrich(headless, { ...pageView, automated: true }).bot_name, 'HeadlessChrome');
});

const pick = (event: { is_bot: boolean; bot_name?: string | null | undefined; automated?: boolean | undefined }) => ({
  is_bot: event.is_bot,
  bot_name: event.bot_name,
  automated: event.automated,
});

test('the contract takes `automated` as an optional boolean; events and records without the new fields stay valid', () => {
  assert.equal(validateEvent(pageView).kind, 'ok', 'an event of an older tracker');
  const flagged = validateEvent({ ...pageView, automated: true });
  assert.deepEqual(flagged.kind === 'ok' ? flagged.value.automated : 'refused', true);
  assert.equal(validateEvent({ ...pageView, automated: 'yes' }).kind, 'dlq');
  const record = enrich(chrome) as unknown as Record<string, unknown>;
  assert.equal(validateEnrichedEvent(record).kind, 'ok');
  const older = { ...record };
  delete older['bot_name'];
  assert.equal(validateEnrichedEvent(older).kind, 'ok', 'a record written before bot names were kept');
  assert.equal(validateEnrichedEvent({ ...record, bot_name: 42 }).kind, 'dlq');
});

test('stores read bot traffic from the flags; records without a bot name are named from their User-Agent', () => {
  assert.equal(isBotTraffic({ is_bot: false }), false);
  assert.equal(isBotTraffic({ is_bot: true }), true);
  assert.equal(isBotTraffic({ is_bot: false, automated: true }), true, 'a record that reports automation is a bot whatever is_bot says');
  assert.equal(botNameOf({ is_bot: false, user_agent: 'curl/8.0' }), null, 'ingest decided: a human');
  assert.equal(botNameOf({ is_bot: true, bot_name: 'Googlebot', user_agent: '' }), 'Googlebot');
  assert.equal(botNameOf({ is_bot: true, user_agent: 'curl/8.0' }), 'curl');
  assert.equal(botNameOf({ is_bot: true, user_agent: '' }), NO_USER_AGENT);
  assert.equal(botNameOf({ is_bot: false, automated: true, user_agent: chrome }), AUTOMATED_BROWSER);
  assert.equal(botNameOf({ is_bot: true, user_agent: chrome }), UNNAMED_BOT);
  assert.equal(botNameOf({ is_bot: true, bot_name: 'x'.repeat(100) })?.length, 64);
});

test('countBotsIn: which sites count bots, read live from a set', () => {
  const sites = new Set(['a']);
  const counting = countBotsIn(sites);
  assert.equal(counting.counts('a'), true);
  assert.equal(counting.counts('b'), false);
  sites.add('b');
  assert.equal(counting.counts('b'), true);
  assert.deepEqual(counting.sites(), ['a', 'b']);
  assert.deepEqual(countBotsIn(['x', 'y']).sites(), ['x', 'y']);
  assert.equal(countNoBots.counts('demo'), false);
  assert.deepEqual(countNoBots.sites(), []);
});
