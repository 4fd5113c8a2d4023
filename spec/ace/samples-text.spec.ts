// Specifies src/ace/samples-text.ts (with page-names.ts and sample-bytes.ts): a timeseries page read
// in place from its text gives exactly what the transform gave before it — JSON.parse, the body
// check and the reference accumulator (spec/support/reference-parse.ts) — on arbitrary and
// adversarial page texts, errors included; and ACE's own kinds of page take the in-place path.
// The field readers alone are spec/ace/parse-oracle.spec.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAceTime } from '../../fixtures/ace/time.ts';
import {
  type AddCounts,
  createSeriesAccumulator,
  decodeSamplesText,
  parseJsonText,
  parseSamplesBody,
} from '../../src/ace/parse.ts';
import { ScannedBody } from '../../src/ace/samples-text.ts';
import type { AppError } from '../../src/errors.ts';
import { nearMissArb, pageArb, styleArb, writeJson } from '../support/ace-page-text.ts';
import { pointNamesArb } from '../support/ace-text-arbitraries.ts';
import { referenceAccumulator } from '../support/reference-parse.ts';

interface Request {
  requested: string[];
  startMs: number;
  endMs: number;
}

/** What a fetch makes of its pages: the first error, or every page's cursor and counts and the series. */
type Outcome =
  | { error: AppError }
  | { cursors: (string | null | undefined)[]; counts: AddCounts[]; dropped: number; series: unknown[] };

/** Entries read in place so far (of every spec below): the reader, not only its fallback, is what they check. */
let entriesInPlace = 0;

/** -0 and 0 are different answers: written apart, so toStrictEqual tells them apart. */
const signed = (xs: readonly number[]) => xs.map((x) => (Object.is(x, -0) ? '-0' : x));

/** The Worker's way: each text decoded (in place, or JSON.parse when the reader gives up). */
function viaText(texts: readonly string[], r: Request): { outcome: Outcome; inPlace: number } {
  const acc = createSeriesAccumulator(r.requested, r.startMs, r.endMs);
  const cursors: (string | null | undefined)[] = [];
  const counts: AddCounts[] = [];
  let inPlace = 0;
  for (const text of texts) {
    const decoded = decodeSamplesText(text);
    if (!decoded.ok) return { outcome: { error: decoded.error }, inPlace };
    if (decoded.value instanceof ScannedBody) {
      inPlace++;
      entriesInPlace += decoded.value.samples.length;
    }
    const page = parseSamplesBody(decoded.value);
    if (!page.ok) return { outcome: { error: page.error }, inPlace };
    cursors.push(page.value.nextCursor);
    counts.push(acc.add(page.value.samples));
  }
  const { series, dropped } = acc.finish();
  const out = series.map((s) => ({ point: s.point, t: s.t, v: signed(s.v) }));
  return { outcome: { cursors, counts, dropped, series: out }, inPlace };
}

/** The oracle: JSON.parse of each text, the body check, and the transform as it was. */
function viaOracle(texts: readonly string[], r: Request): Outcome {
  const acc = referenceAccumulator(r.requested, r.startMs, r.endMs);
  const cursors: (string | null | undefined)[] = [];
  const counts: AddCounts[] = [];
  for (const text of texts) {
    const json = parseJsonText(text);
    if (!json.ok) return { error: json.error };
    const page = parseSamplesBody(json.value);
    if (!page.ok) return { error: page.error };
    if (!Array.isArray(page.value.samples)) throw new Error('JSON.parse gave no entries');
    cursors.push(page.value.nextCursor);
    counts.push(acc.add(page.value.samples));
  }
  const { series, dropped } = acc.finish();
  const out = series.map((s) => ({ point: s.point, t: s.t, v: signed(s.v) }));
  return { cursors, counts, dropped, series: out };
}

/** Both ways over the same texts give the same outcome; how many texts were read in place. */
function expectSame(texts: readonly string[], r: Request): number {
  const { outcome, inPlace } = viaText(texts, r);
  expect(outcome).toStrictEqual(viaOracle(texts, r));
  return inPlace;
}

const START = Date.UTC(2026, 0, 5, 12);

/** A request over a site's names and 1–3 pages of it, each written in a style of its own. */
const caseArb = (maxEntries: number) =>
  pointNamesArb.chain((names) =>
    fc
      .record({
        requested: fc.array(fc.constantFrom(...names), { maxLength: names.length + 2 }),
        startMs: fc.constantFrom(START, START + 1, START - 86_400_000, Date.UTC(2024, 1, 29)),
        spanMs: fc.constantFrom(1, 1000, 60_000, 3_600_000, 2 * 86_400_000),
      })
      .chain(({ requested, startMs, spanMs }) =>
        fc.record({
          r: fc.constant({ requested, startMs, endMs: startMs + spanMs }),
          texts: fc.array(
            fc.tuple(pageArb(names, startMs, spanMs, maxEntries), styleArb).map(([p, s]) => writeJson(p, s)),
            { minLength: 1, maxLength: 3 },
          ),
        }),
      ),
  );

describe('a page read in place, against JSON.parse and the transform as it was', () => {
  it('gives the same series, counts, cursors and errors for any page, however written', () => {
    let pages = 0;
    let inPlace = 0;
    const entriesBefore = entriesInPlace;
    fc.assert(
      fc.property(caseArb(40), ({ r, texts }) => {
        pages += texts.length;
        inPlace += expectSame(texts, r);
      }),
      { numRuns: 1_500 },
    );
    // A quarter of the pages take the reader: escapes (a third of the styles write some), odd keys
    // and non-string fields, which this property is made to try, send the others to JSON.parse.
    expect(inPlace).toBeGreaterThan(pages * 0.15);
    expect(entriesInPlace - entriesBefore).toBeGreaterThan(1_000);
  });

  it('gives the same error, or the same answer, for a page cut short or changed by one character', () => {
    const missArb = caseArb(12).chain(({ r, texts }) =>
      fc.record({
        r: fc.constant(r),
        texts: fc.array(nearMissArb(fc.constantFrom(...texts)), { minLength: 1, maxLength: 2 }),
      }),
    );
    fc.assert(
      fc.property(missArb, ({ r, texts }) => {
        expectSame(texts, r);
      }),
      { numRuns: 3_000 },
    );
  });

  it('does so for pages longer than the accumulator takes at once and than the columns first hold', () => {
    fc.assert(
      fc.property(caseArb(6), fc.integer({ min: 1_000, max: 3_000 }), ({ r, texts }, n) => {
        const text = texts[0] as string;
        const body = parseJsonText(text);
        if (!body.ok || !Array.isArray((body.value as { point_samples?: unknown }).point_samples)) return;
        const entries = (body.value as { point_samples: unknown[] }).point_samples;
        if (entries.length === 0) return;
        const long = JSON.stringify({
          point_samples: Array.from({ length: n }, (_, i) => entries[i % entries.length]),
          next_cursor: 'c',
        });
        expectSame([long], r);
      }),
      { numRuns: 40 },
    );
  });

  it('tells apart hundreds of names alike in their last characters (the name table regrows and rehashes)', () => {
    const suffix = '.points.ZoneTemperatureSetpointEffective';
    const names = Array.from({ length: 400 }, (_, i) => `ses/site/B${i % 7}/Vav${i}${suffix}`);
    const entries = Array.from({ length: 5_000 }, (_, i) => ({
      name: names[(i * 37) % names.length],
      value: String(i % 97),
      time: formatAceTime(START + i * 1000),
    }));
    const text = JSON.stringify({ point_samples: entries, next_cursor: null });
    const r = { requested: names.filter((_, i) => i % 3 === 0), startMs: START, endMs: START + 86_400_000 };
    expect(expectSame([text], r)).toBe(1);
  });
});

describe('what takes the in-place path, and what falls back', () => {
  const names = ['AHU-01-ZoneTemp', 'ses/demo/10.1.1.5/n4/B01/C.Drivers.Bacnet.Vav1205.points.Airflow'];
  const r = { requested: names, startMs: START, endMs: START + 86_400_000 };
  const at = (s: number) => formatAceTime(START + s * 1000);
  const page = {
    point_samples: [
      { name: names[0], value: '71.5', time: at(1) },
      { name: names[1], value: '377.18', time: at(2) },
      { name: names[0], value: '-0', time: at(3) },
      { name: names[0], value: '72.69999694824219', time: at(4) },
      { name: names[1], value: '1e5', time: `${at(5).slice(0, 19)}.123456789` },
      { name: names[1], value: 'NaN', time: at(6) },
      { name: names[0], value: '70', time: '2024-02-29T23:59:59.999999' },
      { name: names[0], value: ' 7 ', time: `${at(7)}+05:30` },
    ],
    next_cursor: 'c-8',
    has_more: true,
  };
  const readsInPlace = (text: string) => expectSame([text], r) === 1;

  it.each([
    ['compact, as JSON.stringify writes it', JSON.stringify(page)],
    ['pretty-printed', JSON.stringify(page, null, 2)],
    ['with Python’s separators', JSON.stringify(page).replaceAll('","', '", "').replaceAll('":', '": ')],
    [
      'with the keys of an entry in another order',
      JSON.stringify(page).replace(
        '{"name":"AHU-01-ZoneTemp","value":"71.5"',
        '{"value":"71.5","name":"AHU-01-ZoneTemp"',
      ),
    ],
    [
      'without a cursor, or with an empty one',
      JSON.stringify({ point_samples: page.point_samples, next_cursor: '' }),
    ],
    [
      'with an entry lacking a key, or an empty one',
      JSON.stringify({ point_samples: [{}, { name: names[0], time: at(9) }] }),
    ],
    [
      'with other top-level members of any scalar',
      '{"page":1.5e3,"point_samples":[],"meta":null,"x":"y","has_more":false}',
    ],
  ])('reads a page %s in place', (_, text) => {
    expect(readsInPlace(text)).toBe(true);
  });

  it.each([
    ['an escape in a name', JSON.stringify(page).replace('AHU-01-ZoneTemp', 'AHU-01\\u002dZoneTemp')],
    ['an escape in a key', JSON.stringify(page).replace('"name"', '"n\\u0061me"')],
    [
      'a repeated key in an entry (JSON.parse keeps the last)',
      '{"point_samples":[{"name":"AHU-01-ZoneTemp","name":"x","value":"1","time":"2026-01-05T12:00:01.000000"}]}',
    ],
    [
      'a repeated point_samples',
      '{"point_samples":[{"name":"AHU-01-ZoneTemp","value":"1","time":"2026-01-05T12:00:01.000000"}],"point_samples":[]}',
    ],
    [
      'an extra key in an entry',
      '{"point_samples":[{"name":"AHU-01-ZoneTemp","value":"1","time":"2026-01-05T12:00:01.000000","id":3}]}',
    ],
    [
      'a value that is a number',
      '{"point_samples":[{"name":"AHU-01-ZoneTemp","value":71.5,"time":"2026-01-05T12:00:01.000000"}]}',
    ],
    ['a name that is not ASCII', JSON.stringify(page).replace('AHU-01-ZoneTemp', 'Büro-Temp')],
    ['an object as a top-level member', `{"meta":{},${JSON.stringify(page).slice(1)}`],
  ])('falls back to JSON.parse for %s, with the same answer', (_, text) => {
    expect(readsInPlace(text)).toBe(false);
  });

  it.each([
    ['cut short', JSON.stringify(page).slice(0, 200)],
    ['with a trailing comma', '{"point_samples":[],}'],
    [
      'with a trailing comma in point_samples',
      `{"point_samples":[${JSON.stringify(page.point_samples[0])},]}`,
    ],
    ['with a trailing comma in an entry', '{"point_samples":[{"name":"AHU-01-ZoneTemp",}]}'],
    ['with a control character in a string', '{"point_samples":[{"name":"AHU-01\u0001ZoneTemp"}]}'],
    ['with text after the page', `${JSON.stringify(page)}x`],
    ['empty', ''],
    ['a list, not a page', '[]'],
    ['without point_samples', '{"next_cursor":null}'],
    ['with a cursor that is a number', '{"point_samples":[],"next_cursor":3}'],
  ])('answers a page %s with the same error', (_, text) => {
    expect(readsInPlace(text)).toBe(false);
    expect(viaText([text], r).outcome).toHaveProperty('error');
  });
});

describe('near misses the generated pages did not reach (from the mutation report)', () => {
  const r = { requested: ['A'], startMs: START, endMs: START + 86_400_000 };
  const T = '2026-01-05T12:00:01.000000';
  const entry = (keys: { name?: string; time?: string; value?: string } = {}) =>
    `{"${keys.name ?? 'name'}":"A","${keys.time ?? 'time'}":"${T}","${keys.value ?? 'value'}":"1"}`;

  /** Every spelling of `key` with one or two of its characters replaced (by `x`, or `z` for an `x`). */
  const misspellings = (key: string) => {
    const out = new Set<string>();
    const swap = (c: string) => (c === 'x' ? 'z' : 'x');
    for (let i = 0; i < key.length; i++) {
      const one = key.slice(0, i) + swap(key[i] as string) + key.slice(i + 1);
      out.add(one);
      for (let j = i + 1; j < key.length; j++)
        out.add(one.slice(0, j) + swap(one[j] as string) + one.slice(j + 1));
    }
    return [...out];
  };

  it('drops an entry whose name, time or value key is misspelt anywhere, as JSON.parse reads it', () => {
    let misses = 0;
    for (const field of ['name', 'time', 'value'] as const) {
      for (const spelt of misspellings(field)) {
        const text = `{"point_samples":[${entry({ [field]: spelt })}],"next_cursor":null}`;
        const { outcome } = viaText([text], r);
        expect(outcome).toStrictEqual(viaOracle([text], r));
        // The oracle keeps nothing of such an entry: one sample dropped, none kept.
        expect(outcome).toMatchObject({ counts: [{ kept: 0 }], dropped: 1 });
        misses++;
      }
    }
    expect(misses).toBe(10 + 10 + 15);
    // The correctly spelt entry is kept, read in place.
    expect(expectSame([`{"point_samples":[${entry()}],"next_cursor":null}`], r)).toBe(1);
  });

  it.each([
    ['a key cut inside its quotes', '{"point_samples":[{"timeX:":"}]}'],
    ['a time string not closed', `{"point_samples":[{"time":"${T}X}]}`],
    ['a semicolon between members of an entry', `{"point_samples":[{"name":"A";"time":"${T}","value":"1"}]}`],
    ['a bare word in the entries', '{"point_samples":[x}]}'],
    ['a raw tab inside a string', '{"point_samples":[],"x":"a\tb"}'],
    ['= for :', '{"point_samples"=[]}'],
    ['a bare word for the entries', '{"point_samples":x]}'],
    ['a semicolon between top-level members', '{"point_samples":[];"next_cursor":"c"}'],
    ['a non-ASCII string left open', '{"point_samples":[],"x":"€}"Y'],
  ])('refuses, as JSON.parse does, %s', (_, text) => {
    const { outcome } = viaText([text], r);
    expect(outcome).toStrictEqual(viaOracle([text], r));
    expect(outcome).toMatchObject({ error: { kind: 'upstream_error' } });
  });

  it('takes the last of repeated cursors past non-ASCII strings, as JSON.parse does', () => {
    const pad = ' '.repeat(12);
    const text = `{"point_samples":[],"next_cursor":"c1","x":"${'€'.repeat(7)},${pad}","next_cursor"${pad}:"c2","z":"}${pad}"}`;
    const { outcome } = viaText([text], r);
    expect(outcome).toStrictEqual(viaOracle([text], r));
    expect(outcome).toMatchObject({ cursors: ['c2'] });
  });

  it("sizes a page's columns by its text: one entry per 100 characters at first, not more", () => {
    // A 100 kB page of one entry: the columns start at 16 + length / 100 entries (1,016 here).
    const text = `{"point_samples":[${entry()}],"next_cursor":null}${' '.repeat(100_000)}`;
    const decoded = decodeSamplesText(text);
    if (!decoded.ok || !(decoded.value instanceof ScannedBody))
      throw new Error('expected a page read in place');
    expect(decoded.value.samples.length).toBe(1);
    expect(decoded.value.samples.t.length).toBe(16 + Math.floor(text.length / 100));
  });
});
