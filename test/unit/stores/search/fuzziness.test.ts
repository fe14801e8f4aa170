import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { autoFuzziness, editDistance, MAX_EXPANSIONS, nearestWords, wordLength } from '../../../../src/stores/search/postgres/fuzziness.ts';

describe('AUTO fuzziness', () => {
  it('allows no edit below 3 characters, one for 3–5, two above 5', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 20].map(autoFuzziness), [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  });

  it('counts characters, not UTF-16 units or bytes', () => {
    assert.equal(wordLength('часы'), 4);
    assert.equal(wordLength('𝔘𝔫𝔦'), 3);
  });
});

describe('edit distance (optimal string alignment)', () => {
  it('counts insertions, deletions and substitutions', () => {
    assert.equal(editDistance('смартфн', 'смартфон'), 1);
    assert.equal(editDistance('headphnes', 'headphones'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('abc', ''), 3);
    assert.equal(editDistance('same', 'same'), 0);
  });

  it('counts a swap of adjacent characters as one edit', () => {
    assert.equal(editDistance('часы', 'чсаы'), 1);
    assert.equal(editDistance('ab', 'ba'), 1);
    assert.equal(editDistance('ca', 'abc'), 3, 'a substring is edited once (not Damerau’s unrestricted distance)');
  });

  it('stops early above the limit, answering limit + 1', () => {
    assert.equal(editDistance('abcdef', 'uvwxyz', 2), 3);
    assert.equal(editDistance('a', 'abcdef', 1), 2, 'lengths alone rule it out');
    assert.equal(editDistance('смартфн', 'смартфона', 2), 2);
  });

  it('treats astral characters as one character', () => {
    assert.equal(editDistance('𝔘𝔫𝔦', '𝔘𝔦'), 1);
  });
});

describe('nearest known words', () => {
  const known = ['смартфон', 'смартфона', 'смартфонов', 'смарт', 'часы', 'часа', 'nova', 'nora', 'now', 'noval'];

  it('keeps the words within AUTO distance, nearest first, then in code-point order', () => {
    assert.deepEqual(nearestWords('смартфн', known), ['смартфон', 'смарт', 'смартфона']);
    assert.deepEqual(nearestWords('nova', known), ['nora', 'noval']);
  });

  it('leaves the word itself out and short words alone', () => {
    assert.deepEqual(nearestWords('часы', known), ['часа']);
    assert.deepEqual(nearestWords('no', ['na', 'now']), []);
  });

  it('stops at the expansion limit', () => {
    const many = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'].map((c) => `word${c}`);
    assert.equal(nearestWords('word', many).length, MAX_EXPANSIONS);
    assert.deepEqual(nearestWords('word', ['worf', 'wore', 'worda'], 2), ['worda', 'wore']);
  });
});
