// Trial of a compact column layout (issue 8, "Go beyond MessagePack"), measured by the encoding
// suite next to the API's layouts. Not part of the API: if it wins by ≥ 2× in bytes at no worse
// encode CPU it moves to src/encoding/layout.ts with property specs (see docs/PERFORMANCE.md).
//
// Per point: `t0` and the deltas `dt` of the timestamps (regular intervals become one repeated
// small number), and the values as integer deltas `dv` of round(v × 10^e) when every value of the
// point is a decimal with at most MAX_DECIMALS digits that survives the round trip exactly;
// otherwise the values as they are (`v`). Exact for every finite double by construction: a value
// is scaled only when the decoder's arithmetic (integer ÷ 10^e) gives back the same double.
import type { ColumnSeries } from '../src/encoding/layout.ts';

export const MAX_DECIMALS = 4;

export type CompactSeries =
  | { point: string; t0: number; dt: number[]; e: number; dv: number[] }
  | { point: string; t0: number; dt: number[]; v: number[] };

/** The smallest e ≤ MAX_DECIMALS for which every value is exactly round(v·10^e)/10^e, or null. */
function decimalExponent(values: readonly number[]): number | null {
  for (let e = 0; e <= MAX_DECIMALS; e++) {
    const scale = 10 ** e;
    let exact = true;
    for (const x of values) {
      const n = Math.round(x * scale);
      if (!Number.isSafeInteger(n) || n / scale !== x || Object.is(x, -0)) {
        exact = false;
        break;
      }
    }
    if (exact) return e;
  }
  return null;
}

export function toCompact(s: ColumnSeries): CompactSeries {
  const n = s.t.length;
  const dt = new Array<number>(Math.max(0, n - 1));
  for (let i = 1; i < n; i++) dt[i - 1] = (s.t[i] as number) - (s.t[i - 1] as number);
  const t0 = n > 0 ? (s.t[0] as number) : 0;
  const e = decimalExponent(s.v);
  if (e === null) return { point: s.point, t0, dt, v: s.v };
  const scale = 10 ** e;
  const dv = new Array<number>(n);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const k = Math.round((s.v[i] as number) * scale);
    dv[i] = k - prev;
    prev = k;
  }
  return { point: s.point, t0, dt, e, dv };
}

export function fromCompact(c: CompactSeries): ColumnSeries {
  const n = 'v' in c ? c.v.length : c.dv.length;
  const t = new Array<number>(n);
  if (n > 0) t[0] = c.t0;
  for (let i = 1; i < n; i++) t[i] = (t[i - 1] as number) + (c.dt[i - 1] as number);
  if ('v' in c) return { point: c.point, t, v: c.v };
  const scale = 10 ** c.e;
  const v = new Array<number>(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    k += c.dv[i] as number;
    v[i] = k / scale;
  }
  return { point: c.point, t, v };
}

/** Throws unless the layout gives back exactly the same series (values compared with Object.is). */
export function assertRoundTrip(series: readonly ColumnSeries[]): void {
  for (const s of series) {
    const back = fromCompact(toCompact(s));
    const same =
      back.point === s.point &&
      back.t.length === s.t.length &&
      back.v.length === s.v.length &&
      back.t.every((x, i) => Object.is(x, s.t[i])) &&
      back.v.every((x, i) => Object.is(x, s.v[i]));
    if (!same) throw new Error(`compact layout does not round-trip series ${s.point}`);
  }
}
