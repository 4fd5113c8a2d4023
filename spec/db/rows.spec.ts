// Specifies src/db/rows.ts: list limits, opaque keyset cursors and safe JSON columns. Client
// cursors and stored JSON are untrusted, so the properties feed them arbitrary strings and check
// for typed failures, never throws. The paged D1 walk itself is in spec/db/d1.spec.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  clampLimit,
  decodeCursor,
  encodeCursor,
  MAX_CURSOR_CHARS,
  MAX_LIST_LIMIT,
  parseJsonColumn,
  parseJsonColumnOr,
} from '../../src/db/rows.ts';

const keySchema = z.tuple([z.number().int(), z.string()]);
const keyArb = fc.tuple(fc.maxSafeInteger(), fc.string({ unit: 'binary', maxLength: 200 }));
// Builds hostile cursors independently of encodeCursor.
function base64url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

describe('clampLimit', () => {
  it.each([
    { requested: undefined, expected: 100 },
    { requested: null, expected: 100 },
    { requested: Number.NaN, expected: 100 },
    { requested: Number.POSITIVE_INFINITY, expected: 100 },
    { requested: 0, expected: 1 },
    { requested: -5, expected: 1 },
    { requested: 2.7, expected: 2 },
    { requested: 1000, expected: 1000 },
    { requested: 5000, expected: MAX_LIST_LIMIT },
  ])('clamps $requested to $expected', ({ requested, expected }) => {
    expect(clampLimit(requested, 100)).toBe(expected);
  });

  it('keeps even a bad fallback in range', () => {
    expect(clampLimit(undefined, 10_000)).toBe(MAX_LIST_LIMIT);
    expect(clampLimit(undefined, Number.NaN)).toBe(1);
  });

  it('always yields an integer in [1, MAX_LIST_LIMIT]', () => {
    fc.assert(
      fc.property(fc.option(fc.double()), fc.double(), (requested, fallback) => {
        const limit = clampLimit(requested, fallback);
        expect(Number.isInteger(limit) && limit >= 1 && limit <= MAX_LIST_LIMIT).toBe(true);
      }),
    );
  });
});

describe('cursors', () => {
  it('round-trip any key', () => {
    fc.assert(
      fc.property(keyArb, (key) => {
        expect(decodeCursor(encodeCursor(key), keySchema)).toEqual({ ok: true, value: key });
      }),
    );
  });

  it('are URL-safe', () => {
    fc.assert(
      fc.property(keyArb, (key) => {
        expect(encodeCursor(key)).toMatch(/^[A-Za-z0-9_-]+$/);
      }),
    );
  });

  it.each([
    { label: 'empty', cursor: '' },
    { label: 'not base64url', cursor: 'abc+/=' },
    { label: 'not JSON', cursor: base64url('not json') },
    { label: 'truncated JSON', cursor: base64url('[1, "a"') },
    { label: 'an object', cursor: base64url('{"t":1,"id":"a"}') },
    { label: 'the wrong arity', cursor: base64url('[1]') },
    { label: 'the wrong types', cursor: base64url('["1", 2]') },
    { label: 'null', cursor: base64url('null') },
    { label: 'invalid UTF-8', cursor: btoa('\xff\xfe').replace(/=+$/, '') },
    { label: 'too long', cursor: encodeCursor([1, 'x'.repeat(MAX_CURSOR_CHARS)]) },
  ])('refuse $label as invalid_input', ({ cursor }) => {
    const decoded = decodeCursor(cursor, keySchema);
    expect(decoded).toMatchObject({ ok: false, error: { kind: 'invalid_input' } });
  });

  it('never throw on arbitrary client input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), fc.string({ unit: 'binary' })), (cursor) => {
        const decoded = decodeCursor(cursor, keySchema);
        if (!decoded.ok) expect(decoded.error.kind).toBe('invalid_input');
      }),
    );
  });
});

describe('JSON columns', () => {
  const optionsSchema = z.object({ theme: z.string(), width: z.number() });
  const fallback = { theme: 'light', width: 800 };

  it('parses and validates well-formed text', () => {
    expect(parseJsonColumn('{"theme":"dark","width":640}', optionsSchema)).toEqual({
      ok: true,
      value: { theme: 'dark', width: 640 },
    });
    expect(parseJsonColumnOr('{"theme":"dark","width":640}', optionsSchema, fallback)).toEqual({
      theme: 'dark',
      width: 640,
    });
  });

  it.each([
    { label: 'truncated', text: '{"theme":"dark",' },
    { label: 'the wrong type', text: '["dark", 640]' },
    { label: 'a mismatched field', text: '{"theme":"dark","width":"wide"}' },
    { label: 'JSON null', text: 'null' },
    { label: 'empty', text: '' },
    { label: 'a NULL column', text: null },
    { label: 'a number column', text: 42 },
  ])('turns $label into db_error or the fallback', ({ text }) => {
    const parsed = parseJsonColumn(text, optionsSchema);
    expect(parsed).toEqual({ ok: false, error: { kind: 'db_error', message: 'stored data is malformed' } });
    expect(parseJsonColumnOr(text, optionsSchema, fallback)).toBe(fallback);
  });

  it('refuses a non-text column even when its value would satisfy the schema', () => {
    expect(parseJsonColumn(42, z.number())).toMatchObject({ ok: false, error: { kind: 'db_error' } });
    expect(parseJsonColumn(null, z.null())).toMatchObject({ ok: false, error: { kind: 'db_error' } });
  });

  it('never throws, whatever is stored', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue()), (stored) => {
        expect(() => parseJsonColumn(stored, optionsSchema)).not.toThrow();
        expect(() => parseJsonColumnOr(stored, optionsSchema, fallback)).not.toThrow();
      }),
    );
  });
});
