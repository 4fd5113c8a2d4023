// Series layouts of the HTTP contract: `columns` ({point, t, v}), `rows` ({point, data}) and
// `compact` (delta times and scaled-integer value deltas, compact.ts).
// Pure reshaping of plain data; owns neither the byte formats (codec.ts) nor where series come
// from (the timeseries service guarantees finite values, ascending times).

import { type CompactSeries, toCompact } from './compact.ts';

/** How series appear in a response body (API.md): parallel columns, or [t, v] pairs. */
export type Layout = 'columns' | 'rows' | 'compact';

/** Every layout, default first. */
export const LAYOUTS = ['columns', 'rows', 'compact'] as const satisfies readonly Layout[];

/** One point's samples as parallel columns: t[i] (epoch ms) carries v[i] (finite). */
export interface ColumnSeries {
  point: string;
  t: number[];
  v: number[];
}

/** One point's samples as [epoch ms, value] pairs. */
export interface RowSeries {
  point: string;
  data: [number, number][];
}

/** A series in any layout. */
export type LaidOutSeries = ColumnSeries | RowSeries | CompactSeries;

/** Columns → rows. t and v have equal length by construction; a longer column is cut to the shorter. */
export function toRows(series: ColumnSeries): RowSeries {
  const n = Math.min(series.t.length, series.v.length);
  const data = new Array<[number, number]>(n);
  for (let i = 0; i < n; i++) data[i] = [series.t[i] as number, series.v[i] as number];
  return { point: series.point, data };
}

/** Rows → columns (the inverse of toRows). */
export function toColumns(series: RowSeries): ColumnSeries {
  const n = series.data.length;
  const t = new Array<number>(n);
  const v = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const pair = series.data[i] as [number, number];
    t[i] = pair[0];
    v[i] = pair[1];
  }
  return { point: series.point, t, v };
}

/** Lays out column series as the request asked; `columns` returns them unchanged. */
export function layOut(series: readonly ColumnSeries[], layout: Layout): LaidOutSeries[] {
  switch (layout) {
    case 'columns':
      return [...series];
    case 'rows':
      return series.map(toRows);
    case 'compact':
      return series.map(toCompact);
  }
}
