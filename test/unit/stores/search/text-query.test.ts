import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  searchableText,
  searchQueries,
  statisticsText,
  tsqueryText,
  type AnalyzedWord,
} from '../../../../src/stores/search/postgres/text-query.ts';

const word = (w: string, russian: string, english: string): AnalyzedWord => ({ word: w, russian, english });

describe('search text normalization', () => {
  it('lower-cases Cyrillic and Latin and folds ё into е (PostgreSQL in the C locale would not)', () => {
    assert.equal(searchableText('Умные ЧАСЫ Ёлка Wireless'), 'умные часы елка wireless');
  });

  it('counts search texts trimmed and lower-cased, ё kept', () => {
    assert.equal(statisticsText('  Смартфон Ёж '), 'смартфон ёж');
    assert.equal(statisticsText('   '), '');
  });
});

describe('tsquery text', () => {
  it('joins groups with AND and alternatives with OR, keeping phrases whole', () => {
    assert.equal(
      tsqueryText([["'час'", "'часы'"], ["'wi-fi' & 'wi' & 'fi'"]]),
      "( ( 'час' ) | ( 'часы' ) ) & ( ( 'wi-fi' & 'wi' & 'fi' ) )",
    );
  });

  it('writes an alternative once', () => {
    assert.equal(tsqueryText([["'run'", "'run'"]]), "( ( 'run' ) )");
  });
});

describe('search queries', () => {
  const chasy = word('часы', "'час'", "'часы'");
  const umnye = word('умные', "'умн'", "'умные'");

  it('needs every word exactly, or every word exactly or by a near word', () => {
    const near = new Map([['часы', [word('часа', "'час'", "'часа'")]]]);
    assert.deepEqual(searchQueries([umnye, chasy], near), {
      exact: "( ( 'умн' ) | ( 'умные' ) ) & ( ( 'час' ) | ( 'часы' ) )",
      full: "( ( 'умн' ) | ( 'умные' ) ) & ( ( 'час' ) | ( 'часы' ) | ( 'часа' ) )",
    });
  });

  it('leaves out a stop word of either language, and matches nothing when only stop words are left', () => {
    const and = word('and', '', '');
    const i = word('и', '', "'и'");
    assert.deepEqual(searchQueries([chasy, and, i], new Map()), {
      exact: "( ( 'час' ) | ( 'часы' ) )",
      full: "( ( 'час' ) | ( 'часы' ) )",
    });
    assert.equal(searchQueries([and, i], new Map()), null);
    assert.equal(searchQueries([], new Map()), null);
  });

  it('skips a near word that is a stop word in one language', () => {
    const near = new Map([['thx', [word('the', '', '')]]]);
    assert.deepEqual(searchQueries([word('thx', "'thx'", "'thx'")], near), { exact: "( ( 'thx' ) )", full: "( ( 'thx' ) )" });
  });
});
