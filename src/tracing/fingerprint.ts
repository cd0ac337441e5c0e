// What a query span keeps of the values it saw, without keeping a value: 53-bit hashes of its parameter list
// (an identical statement run twice has the same SQL and the same hash) and of each parameter and each value
// in its result rows (whether a later statement was given a value this one returned). Hashes stay in memory
// for the analysis and are never shown.

/** Values longer than this are not compared (ids, slugs, emails and counts are short; bodies are not). */
export const LONGEST_COMPARED_VALUE = 200;
/** A result with more values than this is not hashed: whether a later statement used it stays unknown. */
export const MOST_COMPARED_VALUES = 1_000;

/** cyrb53: a fast, well-spread 53-bit string hash (not cryptographic; collisions are ~1 in 2^53). */
export function hashText(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The text a value compares by: a parameter '42' and a returned 42 are the same value. */
function comparable(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value instanceof Date) return value.toISOString();
  return undefined;
}

/**
 * Adds the hash of every scalar in `value` (arrays and objects are walked: rows, JSON columns, array
 * parameters) to `into`; false when there were more than `MOST_COMPARED_VALUES`.
 */
export function addValueHashes(value: unknown, into: Set<number>): boolean {
  if (into.size > MOST_COMPARED_VALUES) return false;
  if (Array.isArray(value)) return value.every((item) => addValueHashes(item, into));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.values(value).every((item) => addValueHashes(item, into));
  }
  const text = comparable(value);
  if (text !== undefined && text.length <= LONGEST_COMPARED_VALUE) into.add(hashText(text));
  return into.size <= MOST_COMPARED_VALUES;
}

/** The rows of a database client's result: pg's and PGlite's `{ rows }`, or PGlite exec's list of them. */
export function resultRows(result: unknown): readonly unknown[] | undefined {
  if (Array.isArray(result)) {
    const lists = result.map(resultRows);
    return lists.every((rows) => rows !== undefined) ? lists.flat() : undefined;
  }
  const rows = (result as { rows?: unknown } | null | undefined)?.rows;
  return Array.isArray(rows) ? rows : undefined;
}
