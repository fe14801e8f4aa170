/**
 * Who a refused record belongs to, read once when it is stored in processing_errors: its raw text
 * as a JSON object with string `site` / `user_id` fields; for text that is not JSON (e.g. cut at
 * 64 KiB), the first `"site": "…"` / `"user_id": "…"` pair found in it. forgetUser(site, user)
 * removes the records of that user_id with that site or none, in every adapter. Values come back
 * as found: each adapter cleans text for its own store.
 */
export function recordOwner(raw: string): { site: string | null; user_id: string | null } {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const record = parsed as Record<string, unknown>;
      return { site: text(record['site']), user_id: text(record['user_id']) };
    }
    return { site: null, user_id: null };
  } catch {
    return { site: stringField(raw, 'site'), user_id: stringField(raw, 'user_id') };
  }
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function stringField(raw: string, field: string): string | null {
  const match = new RegExp(`"${field}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(raw);
  if (match === null) return null;
  try {
    return text(JSON.parse(match[1] as string));
  } catch {
    return null;
  }
}
