// The `compact` layout (issue 8, measured in bench/suites/encoding.ts: 3–4× fewer gzip bytes
// than `columns` at lower encode CPU): per point the first time `t0` and the deltas `dt` of the
// times (a regular interval becomes one repeated small number), and the values as integer deltas
// `dv` of round(v × 10^e) when every value is a decimal of at most MAX_DECIMALS digits that comes
// back exactly; otherwise the values as they are (`v`). Exact for every input by construction:
// each shortcut is taken only when the decoder's arithmetic gives back the same doubles. Pure.
import type { ColumnSeries } from './layout.ts';

/** The most decimal digits a scaled value may have. */
export const MAX_DECIMALS = 4;

/** One point in the compact layout (decode: t[i] = t0 + Σ dt, v[i] = (Σ dv) / 10^e). */
export type CompactSeries =
  | { point: string; t0: number; dt: number[]; e: number; dv: number[] }
  | { point: string; t0: number; dt: number[]; v: number[] }
  | { point: string; t: number[]; v: number[] };

/** The smallest e ≤ MAX_DECIMALS for which every value is exactly round(v·10^e)/10^e, or null. */
export function decimalExponent(values: readonly number[]): number | null {
  for (let e = 0; e <= MAX_DECIMALS; e++) {
    const scale = 10 ** e;
    let exact = true;
    let previous = 0;
    for (const x of values) {
      const n = Math.round(x * scale);
      // The deltas must be safe integers too, or their running sum would round.
      if (
        !Number.isSafeInteger(n) ||
        !Number.isSafeInteger(n - previous) ||
        n / scale !== x ||
        Object.is(x, -0)
      ) {
        exact = false;
        break;
      }
      previous = n;
    }
    if (exact) return e;
  }
  return null;
}

/** Columns → compact. */
export function toCompact(s: ColumnSeries): CompactSeries {
  const n = s.t.length;
  // Delta times are exact only for safe integers (epoch ms always are; anything else stays as is).
  if (!s.t.every((t) => Number.isSafeInteger(t))) return { point: s.point, t: s.t, v: s.v };
  const dt = new Array<number>(Math.max(0, n - 1));
  for (let i = 1; i < n; i++) dt[i - 1] = (s.t[i] as number) - (s.t[i - 1] as number);
  const t0 = n > 0 ? (s.t[0] as number) : 0;
  const e = decimalExponent(s.v);
  if (e === null) return { point: s.point, t0, dt, v: s.v };
  const scale = 10 ** e;
  const dv = new Array<number>(n);
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const k = Math.round((s.v[i] as number) * scale);
    dv[i] = k - previous;
    previous = k;
  }
  return { point: s.point, t0, dt, e, dv };
}

/** Compact → columns (the inverse of toCompact). */
export function fromCompact(c: CompactSeries): ColumnSeries {
  if ('t' in c) return { point: c.point, t: c.t, v: c.v };
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
