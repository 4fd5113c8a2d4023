// encoding/layout.ts: `rows` and `columns` hold the same samples in the same order; each is the
// other's inverse, and laying out keeps the series order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CompactSeries, fromCompact } from '../../src/encoding/compact.ts';
import { layOut, toColumns, toRows } from '../../src/encoding/layout.ts';
import { columnSeriesArb, seriesListArb } from '../support/arbitraries/edge.ts';

describe('layouts', () => {
  it('toColumns undoes toRows', () => {
    fc.assert(
      fc.property(columnSeriesArb, (s) => {
        expect(toColumns(toRows(s))).toEqual(s);
      }),
    );
  });

  it('rows pair t[i] with v[i], in order', () => {
    fc.assert(
      fc.property(columnSeriesArb, (s) => {
        expect(toRows(s)).toEqual({ point: s.point, data: s.t.map((t, i) => [t, s.v[i]]) });
      }),
    );
  });

  it('columns layout returns the series unchanged and in order', () => {
    fc.assert(
      fc.property(seriesListArb, (series) => {
        expect(layOut(series, 'columns')).toEqual(series);
      }),
    );
  });

  it('rows layout keeps the series order', () => {
    fc.assert(
      fc.property(seriesListArb, (series) => {
        expect(layOut(series, 'rows').map((s) => s.point)).toEqual(series.map((s) => s.point));
      }),
    );
  });

  it('compact layout holds each series, in order: fromCompact gives every one back', () => {
    fc.assert(
      fc.property(seriesListArb, (series) => {
        const laidOut = layOut(series, 'compact') as CompactSeries[];
        expect(laidOut.map(fromCompact)).toEqual(series);
      }),
    );
  });

  it('matches API.md shapes exactly', () => {
    const s = { point: 'AHU-01-ZoneTemp', t: [1000, 2000], v: [71.5, 72] };
    expect(layOut([s], 'columns')).toEqual([{ point: 'AHU-01-ZoneTemp', t: [1000, 2000], v: [71.5, 72] }]);
    expect(layOut([s], 'rows')).toEqual([
      {
        point: 'AHU-01-ZoneTemp',
        data: [
          [1000, 71.5],
          [2000, 72],
        ],
      },
    ]);
  });

  it('cuts a ragged column pair to the shorter column rather than inventing values', () => {
    expect(toRows({ point: 'p', t: [1, 2, 3], v: [9] })).toEqual({ point: 'p', data: [[1, 9]] });
  });
});
