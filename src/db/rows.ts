// Pure helpers for reading rows back safely: list limits, opaque keyset cursors and JSON columns.
// Malformed input (a client's cursor, a stored JSON text) is a typed failure, never a throw.
// Owns no I/O; src/db/d1.ts runs the paged queries.
import type { z } from 'zod';
import { err, ok, type Result } from '../errors.ts';

/** No list query returns more rows than this (review 11). */
export const MAX_LIST_LIMIT = 1000;

/** Cursors longer than this are refused before decoding: they come from clients. */
export const MAX_CURSOR_CHARS = 1024;

/** A keyset position: the ordering columns of the last row served, e.g. `[updated_at, id]`. */
export type CursorKey = readonly (string | number)[];

/** One page of a keyset-paginated list; `next_cursor` is null on the last page. */
export interface Page<Row> {
  items: Row[];
  next_cursor: string | null;
}

/** A usable limit: `fallback` when absent or not a number, else truncated into [1, MAX_LIST_LIMIT]. */
export function clampLimit(requested: number | null | undefined, fallback: number): number {
  const value = typeof requested === 'number' && Number.isFinite(requested) ? requested : fallback;
  return Math.min(MAX_LIST_LIMIT, Math.max(1, Math.trunc(Number.isFinite(value) ? value : 1)));
}

/** Encodes a keyset position as base64url JSON; opaque to clients. */
export function encodeCursor(key: CursorKey): string {
  const bytes = new TextEncoder().encode(JSON.stringify(key));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const badCursor = (): Result<never> =>
  err({
    kind: 'invalid_input',
    message: 'invalid cursor',
    issues: [{ path: 'cursor', message: 'not a cursor this API issued' }],
  });

/** Decodes a cursor and checks it against the list's key shape; anything else is invalid_input. */
export function decodeCursor<K extends CursorKey>(cursor: string, schema: z.ZodType<K>): Result<K> {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    return badCursor();
  }
  let decoded: unknown;
  try {
    const binary = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    decoded = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return badCursor();
  }
  const parsed = schema.safeParse(decoded);
  return parsed.success ? ok(parsed.data) : badCursor();
}

/**
 * Parses a JSON column and validates it (review 12). Non-text, malformed or schema-mismatched
 * values are a db_error: stored data is not the client's fault, and its content is not echoed.
 */
export function parseJsonColumn<T>(text: unknown, schema: z.ZodType<T>): Result<T> {
  if (typeof text !== 'string') return malformed();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return malformed();
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? ok(parsed.data) : malformed();
}

/** Like parseJsonColumn, for columns where a default is an acceptable reading of bad data. */
export function parseJsonColumnOr<T>(text: unknown, schema: z.ZodType<T>, fallback: T): T {
  const parsed = parseJsonColumn(text, schema);
  return parsed.ok ? parsed.value : fallback;
}

const malformed = (): Result<never> => err({ kind: 'db_error', message: 'stored data is malformed' });
