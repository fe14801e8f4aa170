import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BanList, banKey, globToRegExp, newBanRule, parseBanRule, type BanRule } from '../../../src/shop/ban-rules.ts';

const rule = (kind: BanRule['kind'], value: string): BanRule => {
  const outcome = newBanRule(kind, value, undefined, new Date('2026-01-01T00:00:00Z'));
  assert.equal(outcome.kind, 'ok');
  return (outcome as { value: BanRule }).value;
};
const product = (product_id: string, name: string, brand: string) => ({ product_id, name, brand });

describe('ban rules', () => {
  it('globs match the whole name in any letter case, `*` for any text, everything else literal', () => {
    assert.ok(globToRegExp('*replica*').test('Watch REPLICA Gold'));
    assert.ok(globToRegExp('Поддельн*').test('поддельные часы'));
    assert.ok(!globToRegExp('replica').test('Watch replica'));
    assert.ok(globToRegExp('a.b(c)*').test('a.b(c) anything'));
    assert.ok(!globToRegExp('a.b').test('axb'));
  });

  it('a ban list says which rule bans a product: by id, brand (any case) or name pattern', () => {
    const bans = new BanList();
    bans.set(banKey('id', 'p-1'), rule('id', 'p-1'));
    bans.set(banKey('brand', 'FakeBrand'), rule('brand', 'FakeBrand'));
    bans.set(banKey('pattern', '*replica*'), rule('pattern', '*replica*'));
    assert.equal(bans.banning(product('p-1', 'Phone', 'Nova'))?.kind, 'id');
    assert.equal(bans.banning(product('p-2', 'Phone', 'fakebrand'))?.kind, 'brand');
    assert.equal(bans.banning(product('p-3', 'Replica watch', 'Nova'))?.kind, 'pattern');
    assert.equal(bans.banning(product('p-4', 'Phone', 'Nova')), undefined);
    bans.set(banKey('brand', 'FAKEBRAND'), undefined);
    assert.equal(bans.banning(product('p-2', 'Phone', 'fakebrand')), undefined, 'unbanning by any case of the brand lifts it');
    assert.equal(bans.rules().length, 2);
  });

  it('keys are one per rule; brands and patterns ignore letter case, ids do not', () => {
    assert.equal(banKey('brand', ' FakeBrand '), 'brand:fakebrand');
    assert.equal(banKey('id', 'P-1'), 'id:P-1');
    assert.equal(banKey('pattern', '*Replica*'), 'pattern:*replica*');
  });

  it('refuses empty values and reads only well-formed rules', () => {
    assert.equal(newBanRule('brand', '   ', undefined).kind, 'dlq');
    const good = rule('brand', 'X');
    assert.deepEqual(parseBanRule(Buffer.from(JSON.stringify(good))), good);
    assert.equal(parseBanRule(Buffer.from('{"kind":"color","value":"red","created_at":"x"}')), undefined);
    assert.equal(parseBanRule(Buffer.from('not json')), undefined);
  });
});
