// ACE-shaped paging over merged series: pages in (time, position) order partition the merged
// stream exactly, whatever the page size; cursors round-trip and are refused for another query.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePageCursor,
  encodePageCursor,
  formatAceTime,
  type IndexedSeries,
  type MergedSample,
  mergePage,
} from '../../src/timeseries/ace-pages.ts';

const seriesListArb: fc.Arbitrary<IndexedSeries[]> = fc
  .array(fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { maxLength: 30 }), { maxLength: 8 })
  .map((lists) =>
    lists.map((ts, i) => {
      const t = [...ts].sort((a, b) => a - b);
      return { i: i * 3, t, v: t.map((x) => x * 10 + i) };
    }),
  );

function everything(series: IndexedSeries[]): MergedSample[] {
  return series
    .flatMap((s) => s.t.map((t, k) => ({ i: s.i, t, v: s.v[k] as number })))
    .sort((a, b) => a.t - b.t || a.i - b.i);
}

describe('mergePage', () => {
  it('pages through the merged stream exactly: no gap, no duplicate, ACE order', () => {
    fc.assert(
      fc.property(seriesListArb, fc.integer({ min: 1, max: 20 }), (series, limit) => {
        const seen: MergedSample[] = [];
        let after = null as { t: number; i: number } | null;
        for (let guard = 0; guard < 1000; guard++) {
          const page = mergePage(series, after, limit);
          seen.push(...page.samples);
          const last = page.samples.at(-1);
          if (page.exhausted || !last) break;
          expect(page.samples).toHaveLength(limit);
          after = { t: last.t, i: last.i };
        }
        expect(seen).toEqual(everything(series));
      }),
    );
  });
});

describe('page cursors', () => {
  it('round-trip for their own query and are refused for another', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.nat(), fc.nat(), (q, other, t, i) => {
        const cursor = encodePageCursor(q, { t, i });
        expect(decodePageCursor(cursor, q)).toEqual({ t, i });
        if (other !== q) expect(decodePageCursor(cursor, other)).toBeNull();
        expect(cursor).toMatch(/^[A-Za-z0-9_-]*$/);
      }),
    );
  });

  it.each(['', 'not-base64!', btoa('{"v":1}'), btoa('[]'), btoa('null')])('refuses %j', (cursor) => {
    expect(decodePageCursor(cursor, 'q')).toBeNull();
  });
});

describe('formatAceTime', () => {
  it('writes naive ISO with microseconds', () => {
    expect(formatAceTime(Date.UTC(2026, 0, 5, 13, 4, 5, 123))).toBe('2026-01-05T13:04:05.123000');
  });
});
