/** A problem in a user's file, on a 1-based line. */
export interface CatalogError {
  line: number;
  message: string;
}

/** One top-level element of a JSON array: its source text and the line it starts on. */
export interface ArrayElement {
  line: number;
  text: string;
}

const isSpace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';

/**
 * Splits `[a, b, …]` into its elements without parsing them, so each element is parsed and reported
 * at its own line and one broken product does not hide the others. Only strings and bracket depth
 * are tracked here; JSON.parse judges each element. `text` must start (after spaces) with `[`.
 */
export function splitJsonArray(text: string): { elements: ArrayElement[]; errors: CatalogError[] } {
  const elements: ArrayElement[] = [];
  const errors: CatalogError[] = [];
  let line = 1;
  let depth = 0;
  let closed = false;
  let inString = false;
  let escaped = false;
  let stringLine = 0;
  let start = -1; // where the current element's text begins, -1 before its first character
  let startLine = 0;
  let commaLine = 0; // the line of the last top-level comma, 0 right after `[`
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charAt(i);
    if (ch === '\n') line += 1;
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (depth === 0) {
      if (closed && !isSpace(ch)) return { elements, errors: [...errors, { line, message: 'unexpected text after the closing "]"' }] };
      if (ch === '[') depth = 1;
      continue;
    }
    if (depth === 1 && (ch === ',' || ch === ']' || ch === '}')) {
      if (ch === '}') return { elements, errors: [...errors, { line, message: 'unexpected "}"' }] };
      if (start >= 0) elements.push({ line: startLine, text: text.slice(start, i) });
      else if (ch === ',') errors.push({ line, message: 'missing array element before ","' });
      else if (commaLine > 0) errors.push({ line: commaLine, message: 'trailing comma before "]"' });
      start = -1;
      commaLine = ch === ',' ? line : 0;
      if (ch === ']') [depth, closed] = [0, true];
      continue;
    }
    if (start < 0 && !isSpace(ch)) [start, startLine] = [i, line];
    if (ch === '"') [inString, stringLine] = [true, line];
    else if (ch === '{' || ch === '[') depth += 1;
    else if (ch === '}' || ch === ']') depth -= 1;
  }
  if (!closed) {
    errors.push(
      inString ? { line: stringLine, message: 'unterminated string' } : { line, message: 'the array is not closed: "]" is missing' },
    );
  }
  return { elements, errors };
}
