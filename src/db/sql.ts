// Pure statement shaping for D1: the Statement value, `?` placeholder lists, chunk planning under
// D1's 100 bound parameters, and multi-row INSERT building. Owns no I/O; src/db/d1.ts prepares,
// binds and runs what these produce.

/** D1's hard limit on bound parameters in one statement. */
export const MAX_BOUND_PARAMS = 100;

/** D1 rejects statements over 100 KB; SQL here is code-authored ASCII, so length ≈ bytes. */
export const MAX_STATEMENT_CHARS = 100_000;

/** A value D1 can bind (booleans are stored as 0/1). */
export type SqlValue = string | number | boolean | null | ArrayBuffer;

/** SQL text with `?` placeholders and the values bound to them, in order. */
export interface Statement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

/** Builds a Statement: `stmt('SELECT * FROM t WHERE id = ?', id)`. */
export function stmt(sql: string, ...params: SqlValue[]): Statement {
  return { sql, params };
}

/** `?,?,?` for n values (1 ≤ n ≤ MAX_BOUND_PARAMS): the only SQL text built from data. */
export function placeholders(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > MAX_BOUND_PARAMS) {
    throw new RangeError(`placeholders: n must be an integer in [1, ${MAX_BOUND_PARAMS}]`);
  }
  return Array.from({ length: n }, () => '?').join(',');
}

/** Throws (a bug, not an expected failure) if D1 would refuse the statement for its size. */
export function assertWithinLimits(statement: Statement): void {
  if (statement.params.length > MAX_BOUND_PARAMS) {
    throw new RangeError(`statement binds ${statement.params.length} params; D1 allows ${MAX_BOUND_PARAMS}`);
  }
  if (statement.sql.length > MAX_STATEMENT_CHARS) {
    throw new RangeError(`statement is ${statement.sql.length} chars; D1 allows ${MAX_STATEMENT_CHARS}`);
  }
}

/**
 * Sizes of the chunks that `itemCount` items split into when each item binds `paramsPerItem`
 * params and every statement also binds `reservedParams` others (e.g. a site filter). Greedy:
 * every chunk is full except the last. Empty input gives no chunks.
 */
export function planChunks(itemCount: number, paramsPerItem = 1, reservedParams = 0): number[] {
  if (!Number.isInteger(itemCount) || itemCount < 0) throw new RangeError('itemCount must be a count');
  if (!Number.isInteger(paramsPerItem) || paramsPerItem < 1)
    throw new RangeError('paramsPerItem must be ≥ 1');
  if (!Number.isInteger(reservedParams) || reservedParams < 0)
    throw new RangeError('reservedParams must be ≥ 0');
  const perChunk = Math.floor((MAX_BOUND_PARAMS - reservedParams) / paramsPerItem);
  if (perChunk < 1) throw new RangeError('no room for one item under the bound-parameter limit');
  const sizes: number[] = [];
  for (let left = itemCount; left > 0; left -= perChunk) sizes.push(Math.min(perChunk, left));
  return sizes;
}

/** Splits items into consecutive chunks with the sizes planChunks gives. */
export function chunkItems<T>(items: readonly T[], paramsPerItem = 1, reservedParams = 0): T[][] {
  const chunks: T[][] = [];
  let start = 0;
  for (const size of planChunks(items.length, paramsPerItem, reservedParams)) {
    chunks.push(items.slice(start, start + size));
    start += size;
  }
  return chunks;
}

/**
 * Multi-row INSERTs for rows of equal width k: `${head} (?,…),(?,…) ${tail}` with at most
 * floor(100 / k) rows each. `head` ends with `VALUES`; `tail` (e.g. an ON CONFLICT clause) binds
 * nothing. Make the write idempotent (upsert) if callers may retry it.
 */
export function buildInserts(head: string, rows: readonly (readonly SqlValue[])[], tail = ''): Statement[] {
  const first = rows[0];
  if (first === undefined) return [];
  const width = first.length;
  if (rows.some((row) => row.length !== width)) throw new RangeError('buildInserts: rows differ in width');
  const tuple = `(${placeholders(width)})`;
  return chunkItems(rows, width).map((chunk) => ({
    sql: `${head} ${Array.from({ length: chunk.length }, () => tuple).join(',')}${tail ? ` ${tail}` : ''}`,
    params: chunk.flat(),
  }));
}
