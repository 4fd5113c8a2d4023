// Reads a timeseries page's JSON text (`{"point_samples": [{"name", "value", "time"}, …],
// "next_cursor": …}`) in place into columns — per entry its name (an index into the page's
// distinct names), time and value, read as parse.ts reads them — without JSON.parse's object
// graph. It reads the text's bytes (ASCII text only) and gives up (undefined) on anything it does
// not fully handle: escapes, other keys or types in an entry, duplicate keys, invalid JSON; the
// caller then takes JSON.parse's path, so every text gives what it gave before (spec/ace/samples-text.spec.ts).
import { GIVE_UP, PageNames, plainBytes } from './page-names.ts';
import { NOT_FAST, naiveMicrosTimeBytes, plainDecimalBytes } from './sample-bytes.ts';
import { parseAceTime, parseAceValue } from './sample-fields.ts';

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;
/** An entry's keys, as bits of the keys seen (each may appear once). */
const NAME = 1;
const TIME = 2;
const VALUE = 4;
/**
 * Zero bytes after the text: every read is at most 27 bytes past a byte that matched a JSON
 * character (so inside the text), and a zero matches nothing, so no read needs a bounds check.
 */
const PADDING = 64;
const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * A page's entries as columns, `length` of them: entry i's name is `names[nameAt[i]]`, or it had
 * none (-1: dropped, as an entry without a string name is); `t` and `v` are what parseAceTime and
 * parseAceValue made of its time and value, NaN where they gave null (or the key was missing).
 */
export class ScannedSamples {
  readonly names: readonly string[];
  readonly nameAt: Int32Array;
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly length: number;

  constructor(
    names: readonly string[],
    nameAt: Int32Array,
    t: Float64Array,
    v: Float64Array,
    length: number,
  ) {
    this.names = names;
    this.nameAt = nameAt;
    this.t = t;
    this.v = v;
    this.length = length;
  }
}

/** A whole page read from its text: what parseSamplesBody would have made of JSON.parse's tree. */
export class ScannedBody {
  readonly samples: ScannedSamples;
  readonly nextCursor: string | null | undefined;

  constructor(samples: ScannedSamples, nextCursor: string | null | undefined) {
    this.samples = samples;
    this.nextCursor = nextCursor;
  }
}

/** One page's reading: its text and bytes, its names, and the columns so far. */
class PageScan {
  readonly text: string;
  readonly b: Uint8Array;
  readonly names = new PageNames();
  nameAt: Int32Array;
  t: Float64Array;
  v: Float64Array;
  length = 0;
  cursor: string | null | undefined = undefined;

  constructor(text: string, b: Uint8Array) {
    this.text = text;
    this.b = b;
    // About one entry per 100 characters of ACE's text; grown by doubling when short.
    const capacity = 16 + Math.floor(text.length / 100);
    this.nameAt = new Int32Array(capacity);
    this.t = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
  }

  /** Index of a new entry, its name -1 and its time and value NaN until read. */
  open(): number {
    if (this.length === this.nameAt.length) this.grow();
    const i = this.length;
    this.nameAt[i] = -1;
    this.t[i] = Number.NaN;
    this.v[i] = Number.NaN;
    return i;
  }

  private grow(): void {
    const n = this.nameAt.length * 2;
    const nameAt = new Int32Array(n);
    const t = new Float64Array(n);
    const v = new Float64Array(n);
    nameAt.set(this.nameAt);
    t.set(this.t);
    v.set(this.v);
    this.nameAt = nameAt;
    this.t = t;
    this.v = v;
  }

  samples(): ScannedSamples {
    return new ScannedSamples(this.names.names, this.nameAt, this.t, this.v, this.length);
  }
}

/** The index of the next byte from i that is not JSON whitespace. */
function skipWs(b: Uint8Array, i: number): number {
  for (;;) {
    const c = b[i];
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) return i;
    i++;
  }
}

/** skipWs, with the common case (no whitespace: a byte above the space) inlined. */
const token = (b: Uint8Array, i: number): number => ((b[i] as number) > SPACE ? i : skipWs(b, i));

/** The key whose opening quote is at i: NAME, TIME or VALUE, or 0 for any other. */
function keyAt(b: Uint8Array, i: number): number {
  if (b[i] !== QUOTE) return 0;
  const c = b[i + 1];
  // "name", "time", "value"
  if (c === 110)
    return b[i + 2] === 97 && b[i + 3] === 109 && b[i + 4] === 101 && b[i + 5] === QUOTE ? NAME : 0;
  if (c === 116)
    return b[i + 2] === 105 && b[i + 3] === 109 && b[i + 4] === 101 && b[i + 5] === QUOTE ? TIME : 0;
  if (c !== 118) return 0;
  const alue = b[i + 2] === 97 && b[i + 3] === 108 && b[i + 4] === 117 && b[i + 5] === 101;
  return alue && b[i + 6] === QUOTE ? VALUE : 0;
}

/** The time string whose content starts at i into entry k; the index after it, or -1. */
function readTime(s: PageScan, i: number, k: number): number {
  const b = s.b;
  // Each of ACE's 26 characters is checked to be a digit or a separator: no quote among them.
  if (b[i + 26] === QUOTE && naiveMicrosTimeBytes(b, i, s.t, k)) return i + 27;
  const end = s.text.indexOf('"', i);
  if (end < 0 || !plainBytes(b, i, end)) return -1;
  s.t[k] = parseAceTime(s.text.slice(i, end)) ?? Number.NaN;
  return end + 1;
}

/** The value string whose content starts at i into entry k; the index after it, or -1. */
function readValue(s: PageScan, i: number, k: number): number {
  const end = s.text.indexOf('"', i);
  if (end < 0) return -1;
  const fast = plainDecimalBytes(s.b, i, end, s.text);
  if (fast !== NOT_FAST) s.v[k] = fast;
  else if (plainBytes(s.b, i, end)) s.v[k] = parseAceValue(s.text.slice(i, end)) ?? Number.NaN;
  else return -1;
  return end + 1;
}

/** The name string whose content starts at i into entry k; the index after it, or -1. */
function readName(s: PageScan, i: number, k: number): number {
  const end = s.text.indexOf('"', i);
  if (end < 0) return -1;
  const id = s.names.find(s.b, s.text, i, end);
  s.nameAt[k] = id;
  return id === GIVE_UP ? -1 : end + 1;
}

/** The entry whose '{' is at i, added to the scan's columns; the index after its '}', or -1. */
function readEntry(s: PageScan, i: number): number {
  const b = s.b;
  const k = s.open();
  let seen = 0;
  i = token(b, i + 1);
  if (b[i] !== RBRACE) {
    for (;;) {
      const key = keyAt(b, i);
      if (key === 0 || (seen & key) !== 0) return -1;
      seen |= key;
      i = token(b, i + (key === VALUE ? 7 : 6));
      if (b[i] !== COLON) return -1;
      i = token(b, i + 1);
      if (b[i] !== QUOTE) return -1;
      i =
        key === NAME ? readName(s, i + 1, k) : key === TIME ? readTime(s, i + 1, k) : readValue(s, i + 1, k);
      if (i < 0) return -1;
      i = token(b, i);
      if (b[i] === RBRACE) break;
      if (b[i] !== COMMA) return -1;
      i = token(b, i + 1);
    }
  }
  s.length = k + 1;
  return i + 1;
}

/** The point_samples array whose '[' is at i; the index after its ']', or -1. */
function readSamples(s: PageScan, i: number): number {
  const b = s.b;
  i = token(b, i + 1);
  if (b[i] === RBRACKET) return i + 1;
  for (;;) {
    if (b[i] !== LBRACE) return -1;
    i = readEntry(s, i);
    if (i < 0) return -1;
    i = token(b, i);
    if (b[i] === RBRACKET) return i + 1;
    if (b[i] !== COMMA) return -1;
    i = token(b, i + 1);
  }
}

/** next_cursor's value at i (a string or null) into the scan; the index after it, or -1. */
function readCursor(s: PageScan, i: number): number {
  const text = s.text;
  if (text.startsWith('null', i)) {
    s.cursor = null;
    return i + 4;
  }
  if (s.b[i] !== QUOTE) return -1;
  const end = text.indexOf('"', i + 1);
  if (end < 0 || !plainBytes(s.b, i + 1, end)) return -1;
  // A copy, not a slice: the cursor outlives the page, and a slice would keep all its text alive.
  s.cursor = JSON.parse(text.slice(i, end + 1)) as string;
  return end + 1;
}

/** Another top-level key's value at i, if it is a string, number, true, false or null; or -1. */
function skipScalar(s: PageScan, i: number): number {
  const text = s.text;
  if (s.b[i] === QUOTE) {
    const end = text.indexOf('"', i + 1);
    return end < 0 || !plainBytes(s.b, i + 1, end) ? -1 : end + 1;
  }
  for (const word of ['true', 'false', 'null']) if (text.startsWith(word, i)) return i + word.length;
  JSON_NUMBER.lastIndex = i;
  return JSON_NUMBER.test(text) ? JSON_NUMBER.lastIndex : -1;
}

/** The top-level member whose key's quote is at i; the index after its value, or -1. */
function readMember(s: PageScan, i: number, seen: Set<string>): number {
  const end = s.text.indexOf('"', i + 1);
  if (end < 0 || !plainBytes(s.b, i + 1, end)) return -1;
  const key = s.text.slice(i + 1, end);
  i = skipWs(s.b, end + 1);
  if (s.b[i] !== COLON) return -1;
  i = skipWs(s.b, i + 1);
  if (key !== 'point_samples' && key !== 'next_cursor') return skipScalar(s, i);
  if (seen.has(key)) return -1;
  seen.add(key);
  if (key === 'next_cursor') return readCursor(s, i);
  return s.b[i] === LBRACKET ? readSamples(s, i) : -1;
}

/**
 * The last page's buffer, for the next: zeroing a new one (and the GC counting it) cost 7% of a
 * page's reading. Weakly held, so memory pressure can take it between pages; a reading is
 * synchronous, so no two share it, and nothing read from it keeps it.
 */
let lastBuffer: WeakRef<Uint8Array> | undefined;

/** The text's bytes and PADDING zeros, or undefined when it is not all ASCII (byte i is not character i). */
function asciiBytes(text: string): Uint8Array | undefined {
  const size = text.length + PADDING;
  let buffer = lastBuffer?.deref();
  if (!buffer || buffer.length < size) {
    buffer = new Uint8Array(size);
    lastBuffer = new WeakRef(buffer);
  }
  const b = buffer.subarray(0, size);
  const { read, written } = new TextEncoder().encodeInto(text, b);
  if (read !== text.length || written !== text.length) return undefined;
  b.fill(0, text.length);
  return b;
}

/**
 * A timeseries page read from its text, or undefined when the text is anything this reader does
 * not fully handle (the caller then parses it with JSON.parse, which also says whether it is JSON).
 */
export function scanSamplesText(text: string): ScannedBody | undefined {
  // A backslash is an escape in some string (outside one it is not JSON): the reader would give
  // up there, perhaps after most of the page, so it does at once (memchr, ~0.03 of JSON.parse).
  if (text.includes('\\')) return undefined;
  const b = asciiBytes(text);
  if (!b) return undefined;
  const s = new PageScan(text, b);
  const seen = new Set<string>();
  let i = skipWs(b, 0);
  if (b[i] !== LBRACE) return undefined;
  i = skipWs(b, i + 1);
  if (b[i] !== RBRACE) {
    for (;;) {
      if (b[i] !== QUOTE) return undefined;
      i = readMember(s, i, seen);
      if (i < 0) return undefined;
      i = skipWs(b, i);
      if (b[i] === RBRACE) break;
      if (b[i] !== COMMA) return undefined;
      i = skipWs(b, i + 1);
    }
  }
  if (!seen.has('point_samples') || skipWs(b, i + 1) !== text.length) return undefined;
  return new ScannedBody(s.samples(), s.cursor === '' ? null : s.cursor);
}
