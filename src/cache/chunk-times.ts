// One series' timestamps in a v2 or v3 chunk (chunk-codec-v2.ts, -v3.ts), in whichever of three forms is
// smallest for it: `stepped` (delta-of-delta of the steps, in the largest unit that divides them:
// a steady interval costs a zero per sample), `grid` (a nominal interval and anchor, then per
// sample how many slots on and how far from its slot: readings jittered around a fixed grid cost
// the jitter, not twice it), or `raw` float64s when the times are not ascending safe integers.
// The choice is by the order-0 entropy of each form's symbols. Exact by construction: the grid
// form is taken only when rebuilding every time from it gives the same number. Pure.
import { type ByteReader, type ByteWriter, isZigzagSafe } from '../encoding/varint.ts';
import { type EditScript, editScript, readEdits } from './chunk-time-edits.ts';

const STEPPED = 0;
const RAW = 1;
const GRID = 2;
const LIKE = 3;
/** Time units tried, largest first: a series on whole seconds stores its steps in seconds. */
const UNITS = [60_000, 1_000, 100, 10, 1];
/** Below this many samples the grid form is not worth its header or its CPU. */
const GRID_MIN_SAMPLES = 16;
/** What the grid form's header and second column cost beyond the stepped form's, about. */
const GRID_HEADER_BITS = 64;

/** Symbols within ±HISTOGRAM_HALF are counted exactly; the rarer wider ones by their magnitude. */
const HISTOGRAM_HALF = 4096;
const histogram = new Int32Array(2 * HISTOGRAM_HALF);

/**
 * Bits an order-0 entropy coder would need for these symbols (the cost the forms are compared
 * by), counted in a reused histogram: this runs several times for every series written.
 */
export function entropyBits(symbols: ArrayLike<number>): number {
  const n = symbols.length;
  const used: number[] = [];
  let wide = 0;
  for (let i = 0; i < n; i++) {
    const s = symbols[i] as number;
    const slot = s + HISTOGRAM_HALF;
    if (slot >= 0 && slot < histogram.length) {
      if ((histogram[slot] as number) === 0) used.push(slot);
      histogram[slot] = (histogram[slot] as number) + 1;
    } else wide += 2 * Math.log2(Math.abs(s) + 1) + 1; // an Elias-gamma-like cost
  }
  let bits = wide;
  for (const slot of used) {
    const c = histogram[slot] as number;
    bits -= c * Math.log2(c / n);
    histogram[slot] = 0;
  }
  return bits;
}

/** The largest unit every step divides by, for ascending safe-integer times (not −0); else null. */
function unitOf(t: readonly number[]): number | null {
  for (let i = 0; i < t.length; i++) {
    const x = t[i] as number;
    if (!isZigzagSafe(x) || Object.is(x, -0) || (i > 0 && x < (t[i - 1] as number))) return null;
  }
  return UNITS.find((u) => t.every((x, i) => i === 0 || (x - (t[i - 1] as number)) % u === 0)) ?? 1;
}

/** Delta-of-delta of the steps in units, or null when one is not a safe zig-zag integer. */
function steppedForm(t: readonly number[], unit: number): number[] | null {
  const out = new Array<number>(t.length - 1);
  let previous = 0;
  for (let i = 1; i < t.length; i++) {
    const step = ((t[i] as number) - (t[i - 1] as number)) / unit;
    const dod = step - previous;
    if (!isZigzagSafe(dod)) return null;
    out[i - 1] = dod;
    previous = step;
  }
  return out;
}

interface GridForm {
  /** The grid's first slot relative to t[0], and its interval, in units. */
  anchor: number;
  interval: number;
  first: number;
  gaps: number[];
  offsets: number[];
  /** What its symbols would cost an order-0 entropy coder. */
  bits: number;
}

/** Scratch space for median(): reused, grown as needed (one series is selected at a time). */
let scratch = new Float64Array(1024);

/**
 * The median (upper, for an even count) by quickselect in a reused buffer: linear on average,
 * where a sort was a fifth of all encoding time.
 */
function median(xs: readonly number[]): number {
  const n = xs.length;
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  const a = scratch;
  for (let i = 0; i < n; i++) a[i] = xs[i] as number;
  const k = n >> 1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const x = a[i] as number;
        a[i++] = a[j] as number;
        a[j--] = x;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k] as number;
}

/** The most frequent of the numbers (the smallest among equals). */
function mode(xs: readonly number[]): number {
  const counts = new Map<number, number>();
  let best = xs[0] as number;
  for (const x of xs) {
    const c = (counts.get(x) ?? 0) + 1;
    counts.set(x, c);
    const top = counts.get(best) ?? 0;
    if (c > top || (c === top && x < best)) best = x;
  }
  return best;
}

/**
 * Intervals a grid may have, in units: the commonest step (jitter is symmetric around the
 * nominal interval), the median step, and the median rounded to a whole second and minute (logs
 * are configured in round intervals; with millisecond jitter no step repeats).
 */
function candidateIntervals(steps: number[], unit: number): number[] {
  const mid = median(steps);
  const rounded = [1_000, 60_000].map((r) => r / unit).filter((r) => Number.isInteger(r) && r >= 1);
  const all = [mode(steps), mid, ...rounded.map((r) => Math.round(mid / r) * r)];
  return [...new Set(all)].filter((i) => i >= 1);
}

/** The grid form in units from t[0] for one interval, or null when it is not exact. */
function gridWith(
  t: readonly number[],
  d: readonly number[],
  unit: number,
  interval: number,
): GridForm | null {
  const t0 = t[0] as number;
  const phases = new Array<number>(d.length);
  for (let i = 0; i < d.length; i++) phases[i] = (d[i] as number) % interval;
  const phase = median(phases);
  const anchor = phase > interval / 2 ? phase - interval : phase;
  const gaps = new Array<number>(d.length - 1);
  const offsets = phases; // reused: each phase is read before its offset overwrites it
  let slot = 0;
  for (let i = 0; i < d.length; i++) {
    const x = d[i] as number;
    const n = Math.round((x - anchor) / interval);
    const offset = x - anchor - n * interval;
    if (!isZigzagSafe(n) || !isZigzagSafe(offset) || t0 + (anchor + n * interval + offset) * unit !== t[i])
      return null;
    if (i > 0) gaps[i - 1] = n - slot;
    offsets[i] = offset;
    slot = n;
  }
  const bits = entropyBits(gaps) + entropyBits(offsets);
  return { anchor, interval, first: Math.round(-anchor / interval), gaps, offsets, bits };
}

/** The cheapest exact grid form of the times over the candidate intervals, or null. */
function gridForm(t: readonly number[], unit: number): GridForm | null {
  const t0 = t[0] as number;
  const d = new Array<number>(t.length);
  const steps: number[] = [];
  for (let i = 0; i < t.length; i++) {
    d[i] = ((t[i] as number) - t0) / unit;
    if (i > 0 && (d[i] as number) > (d[i - 1] as number)) steps.push((d[i] as number) - (d[i - 1] as number));
  }
  if (steps.length === 0) return null;
  let best: GridForm | null = null;
  for (const interval of candidateIntervals(steps, unit)) {
    const form = gridWith(t, d, unit, interval);
    if (form && (!best || form.bits < best.bits)) best = form;
  }
  return best;
}

/** Earlier series' times a `like` form may point back to: the most recent this many. */
const LIKE_CANDIDATES = 16;
/** Times of a series probed in a candidate before an edit script is tried against it. */
const LIKE_PROBES = 8;

/** Whether ascending `ref` holds x (binary search). */
function holds(ref: readonly number[], x: number): boolean {
  let lo = 0;
  let hi = ref.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const y = ref[mid] as number;
    if (y === x) return true;
    if (y < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Whether `ref` holds most of a few of t's times spread along it: a series logged at other
 * instants is passed over without building its script (which only ever costs size, not truth).
 */
function sharesInstants(ref: readonly number[], t: readonly number[]): boolean {
  const probes = Math.min(LIKE_PROBES, t.length);
  let found = 0;
  for (let k = 0; k < probes; k++) if (holds(ref, t[Math.floor((k * t.length) / probes)] as number)) found++;
  return 2 * found >= probes;
}

/** The cheapest edit script from an earlier series' times, if one costs under `budget` bytes. */
function likeForm(
  t: readonly number[],
  earlier: readonly (readonly number[] | null)[],
  budget: number,
): { ref: number; script: EditScript } | null {
  let best: { ref: number; script: EditScript } | null = null;
  for (let k = earlier.length - 1; k >= Math.max(0, earlier.length - LIKE_CANDIDATES); k--) {
    const ref = earlier[k];
    if (!ref || ref.length === 0 || !sharesInstants(ref, t)) continue;
    const script = editScript(ref, t, best ? best.script.bytes - 1 : budget);
    if (script) best = { ref: k, script };
  }
  return best;
}

/**
 * Writes one series' times in its cheapest exact form; whether a later series may be written as
 * edits of them (they are ascending safe integers). `earlier` holds the times of the series
 * already written in this chunk, null for those that may not.
 */
export function writeTimes(
  w: ByteWriter,
  t: readonly number[],
  earlier: readonly (readonly number[] | null)[],
): boolean {
  const unit = t.length === 0 ? null : unitOf(t);
  const stepped = unit === null ? null : steppedForm(t, unit);
  if (unit === null || stepped === null || !isZigzagSafe(t[0] as number)) {
    w.byte(RAW);
    for (const x of t) w.f64(x);
    return false;
  }
  const steppedBits = entropyBits(stepped);
  // A grid can only win by more than its header: a series the stepped form already holds in
  // fewer bits than that is not worth trying it on.
  const grid = t.length >= GRID_MIN_SAMPLES && steppedBits > GRID_HEADER_BITS ? gridForm(t, unit) : null;
  const gridBits = grid ? grid.bits : Number.POSITIVE_INFINITY;
  const like = likeForm(t, earlier, Math.min(gridBits, steppedBits) / 8);
  if (like) {
    w.byte(LIKE);
    w.varint(like.ref);
    const { tokens, signed } = like.script;
    for (let i = 0; i < tokens.length; i++) {
      if (signed[i]) w.zigzag(tokens[i] as number);
      else w.varint(tokens[i] as number);
    }
    return true;
  }
  if (grid && gridBits + GRID_HEADER_BITS < steppedBits) {
    w.byte(GRID);
    w.varint(unit);
    w.zigzag(t[0] as number);
    w.zigzag(grid.anchor);
    w.varint(grid.interval);
    w.zigzag(grid.first);
    for (const g of grid.gaps) w.varint(g);
    for (const o of grid.offsets) w.zigzag(o);
    return true;
  }
  w.byte(STEPPED);
  w.varint(unit);
  w.zigzag(t[0] as number);
  for (const dod of stepped) w.zigzag(dod);
  return true;
}

/** Reads n times written by writeTimes (after `earlier`'s); throws a RangeError when malformed. */
export function readTimes(r: ByteReader, n: number, earlier: readonly (readonly number[])[]): number[] {
  const mode = r.byte();
  if (mode === LIKE) {
    const ref = earlier[r.varint()];
    if (!ref) throw new RangeError('bad time reference');
    return readEdits(r, ref, n);
  }
  const t = new Array<number>(n);
  if (mode === RAW) {
    for (let i = 0; i < n; i++) t[i] = r.f64();
    return t;
  }
  if (n === 0 || (mode !== STEPPED && mode !== GRID)) throw new RangeError('bad time block');
  const unit = r.varint();
  if (mode === GRID) {
    const t0 = r.zigzag();
    const anchor = r.zigzag();
    const interval = r.varint();
    let slot = r.zigzag();
    t[0] = slot; // slots first, then each time from its slot and offset
    for (let i = 1; i < n; i++) {
      slot += r.nextVarint();
      t[i] = slot;
    }
    for (let i = 0; i < n; i++) t[i] = t0 + (anchor + (t[i] as number) * interval + r.nextZigzag()) * unit;
    return t;
  }
  let x = r.zigzag();
  t[0] = x;
  let step = 0;
  for (let i = 1; i < n; i++) {
    step += r.nextZigzag();
    x += step * unit;
    t[i] = x;
  }
  return t;
}
