/**
 * How the PostgreSQL search index turns text into tsquery terms. Indexed text and query text are
 * lower-cased here, in JavaScript, not by PostgreSQL: a database created with the C locale (the
 * stack's, and many servers') lower-cases ASCII only, and the Russian stemmer only stems
 * lower-case words. «ё» is folded to «е», as Russian writers mostly type it.
 */

/** Name and description as the full-text columns hold them. */
export const searchableText = (text: string): string => text.toLowerCase().replaceAll('ё', 'е');

/** A search text as the query statistics count it: trimmed and lower-cased. */
export const statisticsText = (text: string): string => text.trim().toLowerCase();

/** One word as PostgreSQL analyzed it: its tsquery text under each configuration ('' for a stop word). */
export interface AnalyzedWord {
  word: string;
  russian: string;
  english: string;
}

/** The query text matching `word` under either configuration, or null when it is a stop word in one. */
export function exactAlternatives(word: AnalyzedWord): string[] | null {
  if (word.russian === '' || word.english === '') return null;
  return word.russian === word.english ? [word.russian] : [word.russian, word.english];
}

/** The query text matching any of `words` (its expansions) under either configuration. */
export function fuzzyAlternatives(words: readonly AnalyzedWord[]): string[] {
  return words.flatMap((w) => [w.russian, w.english]).filter((text) => text !== '');
}

/**
 * A tsquery holding every group (AND), where each group holds any of its alternatives (OR). Each
 * alternative is the text PostgreSQL printed for a tsquery (quoted lexemes), so it parses back as
 * it was; parentheses keep phrases such as `'wi-fi' & 'wi' & 'fi'` whole.
 */
export function tsqueryText(groups: readonly (readonly string[])[]): string {
  return groups.map((alternatives) => `( ${[...new Set(alternatives)].map((a) => `( ${a} )`).join(' | ')} )`).join(' & ');
}

/** The two tsqueries of a search: every word exactly, and every word exactly or by a near word. */
export interface SearchQueries {
  exact: string;
  full: string;
}

/**
 * The queries for `words` (the query's words, analyzed) given each word's near known words.
 * A word that is a stop word in either language is left out (it matches anything); null when no
 * word is left, and then the text matches nothing.
 */
export function searchQueries(
  words: readonly AnalyzedWord[],
  nearWords: ReadonlyMap<string, readonly AnalyzedWord[]>,
): SearchQueries | null {
  const groups = words.flatMap((word) => {
    const exact = exactAlternatives(word);
    return exact === null ? [] : [{ exact, near: fuzzyAlternatives(nearWords.get(word.word) ?? []) }];
  });
  if (groups.length === 0) return null;
  return {
    exact: tsqueryText(groups.map((group) => group.exact)),
    full: tsqueryText(groups.map((group) => [...group.exact, ...group.near])),
  };
}
