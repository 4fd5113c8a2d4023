// ACE's two sample fields as numbers: `value` strings to finite numbers and naive microsecond
// `time` strings (UTC) to epoch ms. Each has a fast path by character codes for what ACE sends
// (plain decimals; `YYYY-MM-DDTHH:MM:SS.ffffff`) that allocates nothing, and falls back to the
// general pattern for everything else, with exactly the same answers (spec/ace/parse-oracle.spec.ts).

const NUMBER_PATTERN = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
// 10^k for k ≤ 22 is an exact double, and so is an integer below 2^53: the quotient of two exact
// doubles is rounded once (IEEE 754), so m / 10^k is the double nearest the decimal, exactly what
// Number() gives (Clinger's fast path).
export const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);
export const TWO_53 = 2 ** 53;

/**
 * A plain decimal (`71.5`, `-3.25`, `1.0`, `5.`, `72.69999694824219`) by character codes: its
 * number, or null when it overflows; undefined when the text is anything else (exponents,
 * whitespace, `+`, `.5`, words), for the pattern to decide. The digits' integer is exact while it
 * stays below 2^53 (it only grows, and rounding is monotone, so a final value below 2^53 means every
 * step was exact); longer ones go to Number(), which is what the pattern path would call.
 */
function plainDecimal(text: string): number | null | undefined {
  const n = text.length;
  const negative = text.charCodeAt(0) === 45; // '-'
  let m = 0;
  let digits = 0;
  let point = -1;
  for (let i = negative ? 1 : 0; i < n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      m = m * 10 + c;
      digits++;
    } else if (c === -2 && point < 0 && digits > 0)
      point = i; // '.' after a digit
    else return undefined;
  }
  if (digits === 0) return undefined;
  const scale = point < 0 ? 0 : n - 1 - point;
  if (m < TWO_53 && scale < POW10.length) {
    const x = m / (POW10[scale] as number);
    return negative ? -x : x;
  }
  const x = Number(text);
  return Number.isFinite(x) ? x : null;
}

/**
 * ACE's value (normally a string like "71.5") as a finite number, or null for "NaN", "inf",
 * "-inf", overflow, empty or anything else. Plain JSON numbers and booleans are accepted too.
 */
export function parseAceValue(value: unknown): number | null {
  if (typeof value === 'string') {
    const fast = plainDecimal(value);
    if (fast !== undefined) return fast;
    if (!NUMBER_PATTERN.test(value)) return null;
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

const TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;
// A 100k-sample page repeats the same few dates: Date.UTC and its validation run once per date.
// Keyed by y·10⁴ + m·10² + d of the date's 4-2-2 digits; the last date is also kept apart.
const dayCache = new Map<number, number | null>();
let lastDayKey = -1;
let lastDay: number | null = null;

/** The epoch ms of a date's start, or null when there is no such date (2023-02-29, month 13). */
export function dayStartMs(year: number, month: number, day: number): number | null {
  const key = year * 10_000 + month * 100 + day;
  if (key === lastDayKey) return lastDay;
  let ms = dayCache.get(key);
  if (ms === undefined) {
    // Date.UTC reads years 0–99 as 1900–1999, as it always has here.
    ms = Date.UTC(year, month - 1, day);
    const check = new Date(ms);
    if (month < 1 || month > 12 || check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) ms = null;
    if (dayCache.size > 4096) dayCache.clear();
    dayCache.set(key, ms);
  }
  lastDayKey = key;
  lastDay = ms;
  return ms;
}

/** Sign bit set unless 0 ≤ d ≤ 9: OR-ed over many digits, one test tells whether all are digits. */
export const notDigit = (d: number) => d | (9 - d);

/**
 * ACE's own shape, exactly 26 characters: `YYYY-MM-DD[T ]HH:MM:SS.ffffff` (naive, UTC), read by
 * character codes with no branch per digit; undefined when it is not that shape.
 */
function naiveMicrosTime(text: string): number | null | undefined {
  const y0 = text.charCodeAt(0) - 48;
  const y1 = text.charCodeAt(1) - 48;
  const y2 = text.charCodeAt(2) - 48;
  const y3 = text.charCodeAt(3) - 48;
  const mo0 = text.charCodeAt(5) - 48;
  const mo1 = text.charCodeAt(6) - 48;
  const d0 = text.charCodeAt(8) - 48;
  const d1 = text.charCodeAt(9) - 48;
  const h0 = text.charCodeAt(11) - 48;
  const h1 = text.charCodeAt(12) - 48;
  const mi0 = text.charCodeAt(14) - 48;
  const mi1 = text.charCodeAt(15) - 48;
  const s0 = text.charCodeAt(17) - 48;
  const s1 = text.charCodeAt(18) - 48;
  const f0 = text.charCodeAt(20) - 48;
  const f1 = text.charCodeAt(21) - 48;
  const f2 = text.charCodeAt(22) - 48;
  const rest =
    notDigit(text.charCodeAt(23) - 48) |
    notDigit(text.charCodeAt(24) - 48) |
    notDigit(text.charCodeAt(25) - 48);
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
    rest;
  const sep = text.charCodeAt(10);
  if (
    digits < 0 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    (sep !== 84 && sep !== 32) ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 46
  ) {
    return undefined;
  }
  const day = dayStartMs(y0 * 1000 + y1 * 100 + y2 * 10 + y3, mo0 * 10 + mo1, d0 * 10 + d1);
  const hour = h0 * 10 + h1;
  const minute = mi0 * 10 + mi1;
  const second = s0 * 10 + s1;
  if (day === null || hour > 23 || minute > 59 || second > 59) return null;
  return day + hour * 3_600_000 + minute * 60_000 + second * 1000 + (f0 * 100 + f1 * 10 + f2);
}

/** Times with an offset, or of any other form: the pattern. */
function patternTime(text: string): number | null {
  const m = TIME_PATTERN.exec(text);
  if (!m) return null;
  const [, y = '', mo = '', d = '', h = '', mi = '', s = '', frac = '', zone = ''] = m;
  const day = dayStartMs(Number(y), Number(mo), Number(d));
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (day === null || hour > 23 || minute > 59 || second > 59) return null;
  let ms = day + hour * 3_600_000 + minute * 60_000 + second * 1000;
  if (frac) ms += Number(frac.slice(0, 3).padEnd(3, '0'));
  if (zone && zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    ms -= (zone.startsWith('-') ? -1 : 1) * offset * 60_000;
  }
  return ms;
}

/**
 * ACE's sample time (`2026-01-05T13:04:05.123456`, naive, meaning UTC) as whole epoch ms: the
 * microseconds are truncated, so two samples within one ms collapse into one (de-duplicated).
 * A `Z` or offset is honoured if ACE ever sends one. Null for anything else.
 */
export function parseAceTime(text: unknown): number | null {
  if (typeof text !== 'string' || text.length > 40) return null;
  const fast = text.length === 26 ? naiveMicrosTime(text) : undefined;
  return fast !== undefined ? fast : patternTime(text);
}
