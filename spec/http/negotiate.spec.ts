// http/negotiate.ts: which format a request gets (Accept with q-values and specificity,
// `?format=` overriding), when gzip is allowed, and the Prefer: respond-async check. Tables for
// the rules, properties against a small model for generated Accept headers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Format } from '../../src/encoding/codec.ts';
import {
  acceptsGzip,
  MEDIA_TYPES,
  negotiateFormat,
  parseAccept,
  prefersRespondAsync,
} from '../../src/http/negotiate.ts';
import { type AcceptEntry, acceptEntriesArb, formatAccept } from '../support/arbitraries/edge.ts';

const pick = (accept: string | undefined, format?: string) => {
  const r = negotiateFormat({ accept, format });
  return r.ok ? r.value : r.error.kind;
};

describe('negotiateFormat: the rules', () => {
  const table: [accept: string | undefined, expected: Format | 'not_acceptable'][] = [
    [undefined, 'json'],
    ['', 'json'],
    ['   ', 'json'],
    ['*/*', 'json'],
    ['application/*', 'json'],
    ['application/json', 'json'],
    ['application/msgpack', 'msgpack'],
    ['application/x-msgpack', 'msgpack'],
    ['application/vnd.msgpack', 'msgpack'],
    ['APPLICATION/MSGPACK', 'msgpack'],
    ['application/msgpack; charset=binary', 'msgpack'],
    ['application/msgpack, application/json', 'json'], // equal q and specificity: JSON, the default
    ['application/json;q=0.5, application/msgpack', 'msgpack'],
    ['application/msgpack;q=0.9, application/json;q=0.8', 'msgpack'],
    ['application/msgpack;q=0.1, */*', 'json'],
    ['application/msgpack, */*', 'msgpack'], // named beats wildcard at equal q
    ['application/msgpack, */*;q=0.1', 'msgpack'],
    ['application/json;q=0, */*', 'msgpack'], // the most specific range refuses JSON
    ['application/json;q=0, application/msgpack;q=0, */*', 'msgpack'], // x-msgpack still allowed by */*
    [
      'application/json;q=0, application/msgpack;q=0, application/x-msgpack;q=0, application/vnd.msgpack;q=0, */*',
      'not_acceptable',
    ],
    ['application/msgpack;q=0, application/x-msgpack', 'msgpack'],
    ['text/html', 'not_acceptable'],
    ['text/html, image/*', 'not_acceptable'],
    ['application/xml', 'not_acceptable'],
    ['application/json;q=0', 'not_acceptable'],
    ['*/*;q=0', 'not_acceptable'],
    ['text/*, application/msgpack;q=0.2', 'msgpack'],
    ['garbage', 'json'], // nothing parseable: as if absent
    ['application/json;q=2', 'json'], // invalid q drops the range; nothing left: as if absent
    ['text/html, application/json;q=abc', 'not_acceptable'],
    ['application/json;q=0.001', 'json'],
    ['application/msgpack;q=1.000, application/json;q=0.999', 'msgpack'],
    ['*/json', 'json'], // invalid range dropped
    ['application/json;foo="a,b";q=0.5, application/msgpack;q=0.4', 'json'], // comma in a quoted param
  ];
  it.each(table)('Accept %j → %s', (accept, expected) => {
    expect(pick(accept)).toBe(expected);
  });

  it.each([
    ['json', 'application/msgpack', 'json'],
    ['msgpack', 'application/json', 'msgpack'],
    ['msgpack', 'text/html', 'msgpack'],
    ['json', 'application/json;q=0', 'json'],
  ] as const)('?format=%s overrides Accept %j', (format, accept, expected) => {
    expect(pick(accept, format)).toBe(expected);
  });

  it.each(['xml', '', 'JSON', 'msgpack '])('?format=%j is a bad request naming `format`', (format) => {
    expect(negotiateFormat({ format })).toEqual({
      ok: false,
      error: {
        kind: 'invalid_input',
        message: 'invalid request',
        issues: [{ path: 'format', message: expect.any(String) }],
      },
    });
  });

  it('says which media types it can produce when it cannot satisfy Accept', () => {
    const r = negotiateFormat({ accept: 'text/html' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('application/msgpack');
  });
});

/** The model: q of a media type = q of its most specific matching entry (max among equals). */
function modelQuality(entries: readonly AcceptEntry[], mediaType: string): { q: number; s: number } {
  const [type] = mediaType.split('/');
  let best = { q: 0, s: -1 };
  for (const e of entries) {
    const s = e.range === mediaType ? 2 : e.range === `${type}/*` ? 1 : e.range === '*/*' ? 0 : -1;
    const q = e.q ?? 1;
    if (s > best.s || (s === best.s && s >= 0 && q > best.q)) best = { q, s };
  }
  return best.s < 0 ? { q: 0, s: -1 } : best;
}

function modelBest(entries: readonly AcceptEntry[], format: Format): { q: number; s: number } {
  return MEDIA_TYPES[format]
    .map((m) => modelQuality(entries, m))
    .reduce((a, b) => (b.q > a.q || (b.q === a.q && b.s > a.s) ? b : a));
}

describe('negotiateFormat: generated Accept headers', () => {
  it('is 406 exactly when neither format has q > 0 (and the header names something)', () => {
    fc.assert(
      fc.property(acceptEntriesArb, (entries) => {
        const none =
          entries.length > 0 && modelBest(entries, 'json').q === 0 && modelBest(entries, 'msgpack').q === 0;
        expect(pick(formatAccept(entries)) === 'not_acceptable').toBe(none);
      }),
      { numRuns: 500 },
    );
  });

  it('never picks a format with a lower q than the other', () => {
    fc.assert(
      fc.property(acceptEntriesArb, (entries) => {
        const chosen = pick(formatAccept(entries));
        if (chosen === 'not_acceptable') return;
        const other: Format = chosen === 'json' ? 'msgpack' : 'json';
        expect(modelBest(entries, chosen as Format).q).toBeGreaterThanOrEqual(modelBest(entries, other).q);
      }),
      { numRuns: 500 },
    );
  });

  it('picks what the model picks (q, then specificity, then JSON)', () => {
    fc.assert(
      fc.property(acceptEntriesArb, (entries) => {
        const j = modelBest(entries, 'json');
        const m = modelBest(entries, 'msgpack');
        const expected =
          entries.length === 0
            ? 'json'
            : j.q === 0 && m.q === 0
              ? 'not_acceptable'
              : m.q > j.q || (m.q === j.q && m.s > j.s)
                ? 'msgpack'
                : 'json';
        expect(pick(formatAccept(entries))).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('does not depend on the order of the entries', () => {
    fc.assert(
      fc.property(
        acceptEntriesArb.chain((entries) =>
          fc.tuple(fc.constant(entries), fc.shuffledSubarray(entries, { minLength: entries.length })),
        ),
        ([entries, shuffled]) => {
          expect(pick(formatAccept(shuffled))).toBe(pick(formatAccept(entries)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('does not depend on case or optional whitespace', () => {
    fc.assert(
      fc.property(
        acceptEntriesArb,
        fc.constantFrom('', ' ', '  ', '\t'),
        fc.constantFrom('', ' '),
        (entries, afterComma, beforeSemi) => {
          const plain = formatAccept(entries);
          const odd = formatAccept(entries, { afterComma, beforeSemi })
            .toUpperCase()
            .replaceAll(';Q=', ';q=');
          expect(pick(odd)).toBe(pick(plain));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('lets ?format= win over any Accept', () => {
    fc.assert(
      fc.property(acceptEntriesArb, fc.constantFrom<Format>('json', 'msgpack'), (entries, format) => {
        expect(pick(formatAccept(entries), format)).toBe(format);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseAccept', () => {
  it('reads ranges, lower-cases them and reads q', () => {
    expect(parseAccept('Application/JSON;q=0.5, */*')).toEqual([
      { type: 'application', subtype: 'json', q: 0.5 },
      { type: '*', subtype: '*', q: 1 },
    ]);
  });
  it('drops ranges it cannot read', () => {
    expect(parseAccept('json, a/b/c, /x, x/, */json, a/b;q=1.5, a/b;q=-1, ,, c/d')).toEqual([
      { type: 'c', subtype: 'd', q: 1 },
    ]);
  });
});

describe('acceptsGzip', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['gzip, deflate, br', true],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', true],
    ['br', false],
    ['identity', false],
    ['*', true],
    ['gzip;q=0', false],
    ['gzip;q=0, *', false], // explicit refusal beats the wildcard
    ['*;q=0', false],
    ['deflate, *;q=0.5', true],
    ['gzip;q=x', false],
  ] as const)('Accept-Encoding %j → %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

describe('prefersRespondAsync', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['respond-async', true],
    ['Respond-Async', true],
    ['respond-async, wait=10', true],
    ['wait=10, respond-async', true],
    ['respond-async; foo=bar', true],
    ['return=minimal', false],
    ['respond-asynchronously', false],
    ['"respond-async"', false],
  ] as const)('Prefer %j → %s', (header, expected) => {
    expect(prefersRespondAsync(header)).toBe(expected);
  });
});
