import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recentCache } from '../../../src/contract/recent-cache.ts';
import { parseUserAgent, readUserAgent, USER_AGENT_CACHE_LIMIT, userAgentCacheSize } from '../../../src/contract/user-agent.ts';

test('a cached answer is the computed one, computed once while it is remembered', () => {
  const calls: string[] = [];
  const cache = recentCache(3, (key) => {
    calls.push(key);
    return key.toUpperCase();
  });
  assert.equal(cache.get('a'), 'A');
  assert.equal(cache.get('a'), 'A');
  assert.equal(cache.get('b'), 'B');
  assert.deepEqual(calls, ['a', 'b']);
});

test('the cache holds at most twice its limit, however many keys go through it', () => {
  const cache = recentCache(10, (key) => key.length);
  for (let i = 0; i < 10_000; i += 1) {
    cache.get(`key-${i}`);
    assert.ok(cache.size <= 20, `${cache.size} entries`);
  }
});

test('a key used again before `limit` new keys arrived is never computed again', () => {
  let computed = 0;
  const cache = recentCache(4, (key) => {
    computed += 1;
    return key;
  });
  cache.get('hot');
  for (let i = 0; i < 100; i += 1) {
    cache.get(`cold-${i}`);
    if (i % 3 === 0) cache.get('hot');
  }
  assert.equal(computed, 101, 'hot once, each cold key once');
});

test('a falsy answer is remembered too', () => {
  let computed = 0;
  const cache = recentCache(2, () => {
    computed += 1;
    return null;
  });
  cache.get('x');
  cache.get('x');
  assert.equal(computed, 1);
});

test('a limit that is not a positive integer is refused', () => {
  assert.throws(() => recentCache(0, String), RangeError);
  assert.throws(() => recentCache(1.5, String), RangeError);
});

const agents = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
  'curl/8.0',
  '',
  'something nobody parses',
];

test('the cached User-Agent parse answers as the uncached one, first time and every time after', () => {
  for (let round = 0; round < 3; round += 1) {
    for (const agent of agents) assert.deepEqual(parseUserAgent(agent), readUserAgent(agent), agent);
  }
});

test('the User-Agent cache stays bounded under a flood of distinct User-Agents, and its answers cannot be changed', () => {
  for (let i = 0; i < 3 * USER_AGENT_CACHE_LIMIT; i += 1) parseUserAgent(`flood-bot/${i}`);
  assert.ok(userAgentCacheSize() <= 2 * USER_AGENT_CACHE_LIMIT, `${userAgentCacheSize()} User-Agents held`);
  const shared = parseUserAgent(agents[0] as string);
  assert.throws(() => Object.assign(shared, { browser: 'changed' }), TypeError);
  assert.equal(parseUserAgent(agents[0] as string).browser, 'Chrome');
});
