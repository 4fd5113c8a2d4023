// The fast paths of sample-fields.ts (ACE's 26-character time, plain decimals) over a page's bytes
// instead of its string: a Uint8Array element is read for a third of a charCodeAt's cost. Only for
// ASCII text, where byte i is character i (samples-text.ts checks). Same answers as parseAceTime
// and parseAceValue (spec/ace/samples-text.spec.ts); Infinity, which neither returns, means "not
// this shape: ask them", and NaN means null, so no call returns a union.
import { dayStartMs, notDigit, POW10, TWO_53 } from './sample-fields.ts';

/** Not plainDecimalBytes's shape: the caller asks sample-fields.ts. */
export const NOT_FAST = Number.POSITIVE_INFINITY;

/**
 * `YYYY-MM-DD[T ]HH:MM:SS.ffffff` at b[at, at + 26) as parseAceTime reads it into out[k] (NaN
 * where it gives null); false, writing nothing, when it is not that shape. The caller has checked
 * that the 26 bytes are inside the buffer. (Written, not returned: too large for V8 to inline, it
 * would return each time as a heap number.)
 */
export function naiveMicrosTimeBytes(b: Uint8Array, at: number, out: Float64Array, k: number): boolean {
  const y0 = (b[at] as number) - 48;
  const y1 = (b[at + 1] as number) - 48;
  const y2 = (b[at + 2] as number) - 48;
  const y3 = (b[at + 3] as number) - 48;
  const mo0 = (b[at + 5] as number) - 48;
  const mo1 = (b[at + 6] as number) - 48;
  const d0 = (b[at + 8] as number) - 48;
  const d1 = (b[at + 9] as number) - 48;
  const h0 = (b[at + 11] as number) - 48;
  const h1 = (b[at + 12] as number) - 48;
  const mi0 = (b[at + 14] as number) - 48;
  const mi1 = (b[at + 15] as number) - 48;
  const s0 = (b[at + 17] as number) - 48;
  const s1 = (b[at + 18] as number) - 48;
  const f0 = (b[at + 20] as number) - 48;
  const f1 = (b[at + 21] as number) - 48;
  const f2 = (b[at + 22] as number) - 48;
  const digits =
    notDigit(y0) |
    notDigit(y1) |
    notDigit(y2) |
    notDigit(y3) |
    notDigit(mo0) |
    notDigit(mo1) |
    notDigit(d0) |
    notDigit(d1) |
    notDigit(h0) |
    notDigit(h1) |
    notDigit(mi0) |
    notDigit(mi1) |
    notDigit(s0) |
    notDigit(s1) |
    notDigit(f0) |
    notDigit(f1) |
    notDigit(f2) |
    notDigit((b[at + 23] as number) - 48) |
    notDigit((b[at + 24] as number) - 48) |
    notDigit((b[at + 25] as number) - 48);
  const sep = b[at + 10];
  if (
    digits < 0 ||
    b[at + 4] !== 45 ||
    b[at + 7] !== 45 ||
    (sep !== 84 && sep !== 32) ||
    b[at + 13] !== 58 ||
    b[at + 16] !== 58 ||
    b[at + 19] !== 46
  ) {
    return false;
  }
  const day = dayStartMs(y0 * 1000 + y1 * 100 + y2 * 10 + y3, mo0 * 10 + mo1, d0 * 10 + d1);
  const hour = h0 * 10 + h1;
  const minute = mi0 * 10 + mi1;
  const second = s0 * 10 + s1;
  if (day === null || hour > 23 || minute > 59 || second > 59) out[k] = Number.NaN;
  else out[k] = day + hour * 3_600_000 + minute * 60_000 + second * 1000 + (f0 * 100 + f1 * 10 + f2);
  return true;
}

/**
 * A plain decimal (`71.5`, `-3.25`, `5.`) at b[from, to) as parseAceValue reads it (NaN where it
 * gives null: an overflow), or NOT_FAST for anything else. `text` is the page, for Number() of
 * the digits that do not fit an exact double (as sample-fields.ts's plainDecimal calls it).
 */
export function plainDecimalBytes(b: Uint8Array, from: number, to: number, text: string): number {
  const negative = b[from] === 45; // '-'
  let m = 0;
  let digits = 0;
  let point = -1;
  for (let i = negative ? from + 1 : from; i < to; i++) {
    const c = (b[i] as number) - 48;
    if (c >= 0 && c <= 9) {
      m = m * 10 + c;
      digits++;
    } else if (c === -2 && point < 0 && digits > 0)
      point = i; // '.' after a digit
    else return NOT_FAST;
  }
  if (digits === 0) return NOT_FAST;
  const scale = point < 0 ? 0 : to - 1 - point;
  if (m < TWO_53 && scale < POW10.length) {
    const x = m / (POW10[scale] as number);
    return negative ? -x : x;
  }
  const x = Number(text.slice(from, to));
  return Number.isFinite(x) ? x : Number.NaN;
}
