/**
 * Typo tolerance as OpenSearch's `fuzziness: AUTO` defines it: a query word of 3–5 characters may
 * be one edit away from a known word, a longer one two, a shorter one must match exactly. An edit
 * is an insertion, a deletion, a substitution or a swap of two adjacent characters (Lucene counts
 * transpositions as one edit by default). Lengths count Unicode code points.
 */

/** Edits AUTO allows for a word of `length` characters. */
export function autoFuzziness(length: number): 0 | 1 | 2 {
  if (length < 3) return 0;
  return length <= 5 ? 1 : 2;
}

/** The number of characters (code points) in `word`. */
export const wordLength = (word: string): number => [...word].length;

/**
 * The optimal string alignment distance between `a` and `b` (Levenshtein plus adjacent
 * transpositions, each substring edited once), or `max + 1` as soon as it must exceed `max`.
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  const s = [...a];
  const t = [...b];
  if (Math.abs(s.length - t.length) > max) return max + 1;
  if (s.length === 0 || t.length === 0) return Math.max(s.length, t.length);
  // Three rows of the dynamic programming table: two back (for transpositions), previous, current.
  let before = new Array<number>(t.length + 1).fill(0);
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  let current = new Array<number>(t.length + 1).fill(0);
  for (let i = 1; i <= s.length; i += 1) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= t.length; j += 1) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, (before[j - 2] as number) + 1);
      current[j] = d;
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return max + 1;
    [before, previous, current] = [previous, current, before];
  }
  const distance = previous[t.length] as number;
  return distance > max ? max + 1 : distance;
}

/** How many known words one query word may stand for (OpenSearch's max_expansions default). */
export const MAX_EXPANSIONS = 50;

/**
 * The words of `candidates` within AUTO distance of `word` (the word itself excluded), nearest
 * first, then in code-point order; at most `limit`.
 */
export function nearestWords(word: string, candidates: Iterable<string>, limit = MAX_EXPANSIONS): string[] {
  const edits = autoFuzziness(wordLength(word));
  if (edits === 0) return [];
  const near: { word: string; distance: number }[] = [];
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = editDistance(word, candidate, edits);
    if (distance <= edits) near.push({ word: candidate, distance });
  }
  near.sort((x, y) => x.distance - y.distance || (x.word < y.word ? -1 : x.word > y.word ? 1 : 0));
  return near.slice(0, limit).map((n) => n.word);
}
