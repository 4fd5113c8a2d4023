// Specifies that src/ace/parse.ts's fast paths change nothing: its value and time readers and its
// series accumulator give exactly what the transform gave before them (spec/support/reference-parse.ts)
// on arbitrary and adversarial input, and the inputs really take the fast paths (the ACE-shaped
// time, the plain decimal, the name lookup, already-sorted series) as well as the fallbacks.
// Whole page texts read in place (src/ace/samples-text.ts) are held to the same oracle in
// spec/ace/samples-text.spec.ts, its byte readers of the two fields in spec/ace/sample-bytes.spec.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAceTime } from '../../fixtures/ace/time.ts';
import { createSeriesAccumulator, parseAceTime, parseAceValue } from '../../src/ace/parse.ts';
import {
  aceShapedTimeArb,
  entryArb,
  mutatedArb,
  pageTimeArb,
  plainDecimalArb,
  pointNamesArb,
  timeInputArb,
  valueInputArb,
} from '../support/ace-text-arbitraries.ts';
import { referenceAccumulator, referenceAceTime, referenceAceValue } from '../support/reference-parse.ts';

const ACE_SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
const PLAIN_DECIMAL = /^-?\d+(?:\.\d*)?$/;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** -0 and 0 are different answers: `toBe` compares with Object.is. */
const same = (actual: number | null, expected: number | null) => expect(actual).toBe(expected);

describe('parseAceTime against the reference', () => {
  it('reads any time input exactly as the reference does', () => {
    let shaped = 0;
    let shapedValid = 0;
    fc.assert(
      fc.property(timeInputArb, (input) => {
        const expected = referenceAceTime(input);
        if (typeof input === 'string' && ACE_SHAPE.test(input)) {
          shaped++;
          if (expected !== null) shapedValid++;
        }
        same(parseAceTime(input), expected);
      }),
      { numRuns: 20_000 },
    );
    // The fast path is what most inputs take, valid or not.
    expect(shaped).toBeGreaterThan(5_000);
    expect(shapedValid).toBeGreaterThan(3_000);
  });

  it('reads every date of the calendar edges alike (leap days of 2024, 2023, 1900, 2000; month 13; years 0–99)', () => {
    for (const y of [
      '0000',
      '0001',
      '0099',
      '0100',
      '1899',
      '1900',
      '1970',
      '2000',
      '2023',
      '2024',
      '2100',
      '9999',
    ]) {
      for (let mo = 0; mo <= 14; mo++) {
        for (let d = 0; d <= 32; d++) {
          for (const clock of ['00:00:00.000000', '23:59:59.999999', '12:30:15.123456']) {
            const text = `${y}-${pad(mo, 2)}-${pad(d, 2)}T${clock}`;
            same(parseAceTime(text), referenceAceTime(text));
            same(parseAceTime(`${text}Z`), referenceAceTime(`${text}Z`));
          }
        }
      }
    }
  });

  it('reads every clock edge alike (hours to 25, minutes and seconds to 61, 1–9 fraction digits)', () => {
    for (let h = 0; h <= 25; h++) {
      for (const mi of [0, 1, 59, 60, 61]) {
        for (const s of [0, 59, 60, 61]) {
          for (const frac of ['', '.1', '.12', '.123', '.1234', '.123456', '.123456789', '.1234567890']) {
            const text = `2024-02-29T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${frac}`;
            for (const variant of [text, `${text}Z`, text.replace('T', ' '), `${text}+05:30`, `${text} `]) {
              same(parseAceTime(variant), referenceAceTime(variant));
            }
          }
        }
      }
    }
  });

  it('follows the day across pages of interleaved dates (the per-day memo never leaks a day into another)', () => {
    fc.assert(
      fc.property(fc.array(aceShapedTimeArb, { minLength: 1, maxLength: 40 }), (times) => {
        for (const t of times) same(parseAceTime(t), referenceAceTime(t));
      }),
    );
  });

  it('reads runs of times that share their date and hour, valid or not, as the reference does (no memo answers for characters it did not read)', () => {
    const tailArb = fc.oneof(
      aceShapedTimeArb.map((t) => t.slice(14)),
      fc.stringMatching(/^[0-9]{2}:[0-9]{2}\.[0-9]{6}$/),
      fc.constantFrom(
        '60:00.000000',
        '59:60.000000',
        '5:09.0000000',
        '05:09.00000',
        '05:09.0000000',
        '05-09.000000',
      ),
      mutatedArb(aceShapedTimeArb.map((t) => t.slice(14))),
    );
    const timesArb = fc.array(aceShapedTimeArb, { minLength: 1, maxLength: 3 }).chain((bases) =>
      fc.array(
        fc.oneof(
          {
            weight: 6,
            arbitrary: fc.tuple(fc.constantFrom(...bases), tailArb).map(([b, tail]) => b.slice(0, 14) + tail),
          },
          { weight: 1, arbitrary: fc.constantFrom(...bases).map((b) => b.replace('T', ' ')) },
          { weight: 1, arbitrary: mutatedArb(fc.constantFrom(...bases)) },
          { weight: 1, arbitrary: timeInputArb },
        ),
        { minLength: 1, maxLength: 30 },
      ),
    );
    fc.assert(
      fc.property(timesArb, (times) => {
        for (const t of times) same(parseAceTime(t), referenceAceTime(t));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('parseAceValue against the reference', () => {
  it('reads any value input exactly as the reference does', () => {
    let plain = 0;
    fc.assert(
      fc.property(valueInputArb, (input) => {
        if (typeof input === 'string' && PLAIN_DECIMAL.test(input)) plain++;
        same(parseAceValue(input), referenceAceValue(input));
      }),
      { numRuns: 20_000 },
    );
    expect(plain).toBeGreaterThan(5_000);
  });

  it('reads plain decimals of every length and point position alike, around the 15- and 16-digit edge', () => {
    for (let digits = 1; digits <= 22; digits++) {
      for (const fill of ['9', '1', '0', '5', '3']) {
        const body = `${fill === '0' ? '1' : fill}${fill.repeat(digits - 1)}`;
        for (let point = 0; point <= digits; point++) {
          const text =
            point === digits ? body : `${body.slice(0, digits - point)}.${body.slice(digits - point)}`;
          for (const v of [text, `-${text}`, `${text}.`.replace('..', '.'), `0${text}`]) {
            same(parseAceValue(v), referenceAceValue(v));
          }
        }
      }
    }
  });

  it('reads every decimal a double prints (String, toFixed) alike', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.integer({ min: 0, max: 20 }), (x, places) => {
        for (const v of [String(x), Number.isFinite(x) ? x.toFixed(places) : String(x)]) {
          same(parseAceValue(v), referenceAceValue(v));
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('reads float32 readings as Python prints them, and decimals next to 2^53 or past 22 fraction digits, alike', () => {
    const edgeArb = fc.oneof(
      fc.float({ noNaN: true, noDefaultInfinity: true }).map((x) => String(x)),
      fc.bigInt({ min: 2n ** 53n - 50n, max: 2n ** 53n + 50n }).chain((m) =>
        fc.nat(17).map((k) => {
          const text = m.toString();
          return k === 0 ? text : `${text.slice(0, -k) || '0'}.${text.slice(-k)}`;
        }),
      ),
      fc
        .record({ zeros: fc.integer({ min: 15, max: 30 }), digits: fc.stringMatching(/^[0-9]{1,8}$/) })
        .map(({ zeros, digits }) => `0.${'0'.repeat(zeros)}${digits}`),
      fc.stringMatching(/^[1-9][0-9]{15,25}(\.[0-9]{0,4})?$/),
    );
    fc.assert(
      fc.property(edgeArb, fc.boolean(), (v, negative) => {
        const text = negative ? `-${v.replace(/^-/, '')}` : v;
        same(parseAceValue(text), referenceAceValue(text));
      }),
      { numRuns: 10_000 },
    );
  });

  it('reads plain decimals alike', () => {
    fc.assert(
      fc.property(plainDecimalArb, (v) => {
        same(parseAceValue(v), referenceAceValue(v));
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('createSeriesAccumulator against the reference', () => {
  const START = Date.UTC(2026, 0, 5, 12);

  const caseArb = pointNamesArb.chain((names) =>
    fc
      .record({
        names: fc.constant(names),
        requested: fc.array(fc.constantFrom(...names), { maxLength: names.length + 2 }),
        startMs: fc.constantFrom(START, START + 1, START - 86_400_000, Date.UTC(2024, 1, 29)),
        spanMs: fc.constantFrom(0, 1, 999, 1000, 60_000, 3_600_000, 2 * 86_400_000, -1000),
      })
      .chain((c) =>
        fc.record({
          c: fc.constant(c),
          pages: fc.array(
            fc.array(entryArb(names, pageTimeArb(c.startMs, Math.max(c.spanMs, 8), formatAceTime)), {
              maxLength: 60,
            }),
            { minLength: 1, maxLength: 3 },
          ),
        }),
      ),
  );

  /** Both accumulators over the same pages: every page's counts, then the finished series, alike. */
  function expectSameAccumulation(
    c: { requested: string[]; startMs: number; spanMs: number },
    pages: unknown[][],
  ) {
    const endMs = c.startMs + c.spanMs;
    const fast = createSeriesAccumulator(c.requested, c.startMs, endMs);
    const ref = referenceAccumulator(c.requested, c.startMs, endMs);
    for (const page of pages) expect(fast.add(page)).toStrictEqual(ref.add(page));
    const got = fast.finish();
    const want = ref.finish();
    expect(got.dropped).toBe(want.dropped);
    expect(got.series.map((s) => s.point)).toStrictEqual(want.series.map((s) => s.point));
    got.series.forEach((s, i) => {
      expect(s.t).toStrictEqual(want.series[i]?.t);
      // Values compared with Object.is: -0 stays -0.
      expect(s.v.map((v) => (Object.is(v, -0) ? '-0' : v))).toStrictEqual(
        want.series[i]?.v.map((v) => (Object.is(v, -0) ? '-0' : v)),
      );
    });
  }

  it('keeps, drops, sorts and de-duplicates exactly as the reference does, page by page', () => {
    fc.assert(
      fc.property(caseArb, ({ c, pages }) => expectSameAccumulation(c, pages)),
      { numRuns: 2_000 },
    );
  });

  it('does so on pages longer than the loop takes at once (its chunks), at every boundary', () => {
    const longArb = caseArb.chain(({ c, pages }) =>
      fc.array(fc.integer({ min: 1_000, max: 3_200 }), { minLength: 1, maxLength: 2 }).map((lengths) => ({
        c,
        pages: lengths.map((n, k) =>
          Array.from({ length: n }, (_, i) => pages[k % pages.length]?.[i % 61] ?? i),
        ),
      })),
    );
    fc.assert(
      fc.property(longArb, ({ c, pages }) => expectSameAccumulation(c, pages)),
      { numRuns: 30 },
    );
  });
});
