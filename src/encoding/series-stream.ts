// A timeseries answer ({site, start, end, interval, series, meta}) written as a stream, series by
// series, in JSON or MessagePack and any layout, from sources that give each point's samples as
// pieces in time order and can give them again: a series is never held whole, so an answer of any
// size streams in the memory of its largest piece. It decodes to exactly what encode() of the
// same answer laid out whole (layout.ts, compact.ts) decodes to. Pure; owns no HTTP and no storage.
import { encode as encodeMsgpack } from '@msgpack/msgpack';
import type { Format } from './codec.ts';
import { MAX_DECIMALS } from './compact.ts';
import type { ColumnSeries, Layout } from './layout.ts';

/** One point's samples: `pieces()` yields them in time order, afresh on every call. */
export interface SeriesSource {
  point: string;
  pieces(): AsyncIterable<ColumnSeries>;
}

/** The answer around the series; `meta` is asked for once every series is written. */
export interface StreamedAnswer {
  head: { site: string; start: number; end: number; interval: string };
  /** How many sources `series` yields (MessagePack writes the count first). */
  count: number;
  series: AsyncIterable<SeriesSource>;
  meta: (samples: number) => Record<string, unknown>;
}

/** What a layout needs to know of a series before writing it. */
interface SeriesStats {
  n: number;
  t0: number;
  safeTimes: boolean;
  /** compact's exponent (decimalExponent over the whole series), null when none holds. */
  e: number | null;
}

const MSGPACK = { forceFloat32: false, forceIntegerToFloat: false, ignoreUndefined: true } as const;
const text = new TextEncoder();

/** One pass over a source: its length, first time, and what compact decides from the whole. */
async function statsOf(source: SeriesSource, exponent: boolean): Promise<SeriesStats> {
  const stats: SeriesStats = { n: 0, t0: 0, safeTimes: true, e: null };
  const ok = new Array<boolean>(MAX_DECIMALS + 1).fill(true);
  const previous = new Array<number>(MAX_DECIMALS + 1).fill(0);
  for await (const piece of source.pieces()) {
    if (stats.n === 0 && piece.t.length > 0) stats.t0 = piece.t[0] as number;
    stats.n += piece.t.length;
    for (const t of piece.t) if (!Number.isSafeInteger(t)) stats.safeTimes = false;
    if (!exponent) continue;
    for (const x of piece.v) {
      for (let e = 0; e <= MAX_DECIMALS; e++) {
        if (!ok[e]) continue;
        const scale = 10 ** e;
        const k = Math.round(x * scale);
        // compact.ts' decimalExponent, one value at a time for every exponent at once.
        if (
          !Number.isSafeInteger(k) ||
          !Number.isSafeInteger(k - (previous[e] as number)) ||
          k / scale !== x ||
          Object.is(x, -0)
        ) {
          ok[e] = false;
        } else previous[e] = k;
      }
    }
  }
  const e = ok.indexOf(true);
  stats.e = e === -1 ? null : e;
  return stats;
}

/** The items of a MessagePack array of `values`, without its header. */
function msgpackItems(values: readonly unknown[]): Uint8Array {
  const bytes = encodeMsgpack(values, MSGPACK);
  const first = bytes[0] as number;
  return bytes.subarray(first === 0xdc ? 3 : first === 0xdd ? 5 : 1);
}

/** A MessagePack array header for n items (array32: the count is known, its size need not be minimal). */
function msgpackArrayHeader(n: number): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = 0xdd;
  new DataView(out.buffer).setUint32(1, n);
  return out;
}

/** A MessagePack map header for n (< 16) entries. */
const msgpackMap = (n: number) => Uint8Array.of(0x80 | n);

type Emit = (bytes: Uint8Array) => void;

/** Writes the values of each piece that `pick` makes, as one array in `format`. */
async function writeArray(
  source: SeriesSource,
  format: Format,
  n: number,
  emit: Emit,
  pick: (piece: ColumnSeries, state: { previous: number }) => unknown[],
): Promise<void> {
  const state = { previous: 0 };
  if (format === 'msgpack') emit(msgpackArrayHeader(n));
  else emit(text.encode('['));
  let first = true;
  for await (const piece of source.pieces()) {
    const values = pick(piece, state);
    if (values.length === 0) continue;
    if (format === 'msgpack') emit(msgpackItems(values));
    else {
      const json = JSON.stringify(values);
      emit(text.encode(first ? json.slice(1, -1) : `,${json.slice(1, -1)}`));
      first = false;
    }
  }
  if (format === 'json') emit(text.encode(']'));
}

/** A key of an object being written (JSON: `"key":`, after a comma unless first). */
function key(name: string, format: Format, first: boolean, emit: Emit): void {
  if (format === 'msgpack') emit(encodeMsgpack(name, MSGPACK));
  else emit(text.encode(`${first ? '' : ','}${JSON.stringify(name)}:`));
}

/** A whole small value (a string, a number, an object of scalars). */
function scalar(value: unknown, format: Format, emit: Emit): void {
  emit(format === 'msgpack' ? encodeMsgpack(value, MSGPACK) : text.encode(JSON.stringify(value)));
}

const times = (p: ColumnSeries) => p.t;
const values = (p: ColumnSeries) => p.v;
const pairs = (p: ColumnSeries) => p.t.map((t, i) => [t, p.v[i] as number]);
const deltas = (column: (p: ColumnSeries) => number[], scale: number, skipFirst: boolean) => {
  return (p: ColumnSeries, state: { previous: number; started?: boolean }) => {
    const out: number[] = [];
    for (const x of column(p)) {
      const k = scale === 1 ? x : Math.round(x * scale);
      if (skipFirst && !state.started) state.started = true;
      else out.push(k - state.previous);
      state.previous = k;
    }
    return out;
  };
};

/** One series as its layout writes it; the number of samples written. */
async function writeSeries(
  source: SeriesSource,
  layout: Layout,
  format: Format,
  emit: Emit,
): Promise<number> {
  // JSON columns and rows need no count; everything else learns the series in a first pass.
  const stats =
    format === 'json' && layout !== 'compact' ? null : await statsOf(source, layout === 'compact');
  const n = stats?.n ?? 0;
  const object = (fields: string[]) => {
    if (format === 'msgpack') emit(msgpackMap(fields.length));
    else emit(text.encode('{'));
    key('point', format, true, emit);
    scalar(source.point, format, emit);
  };
  const close = () => format === 'json' && emit(text.encode('}'));
  let written = 0;
  const counted =
    (pick: (p: ColumnSeries, s: { previous: number }) => unknown[]) =>
    (p: ColumnSeries, s: { previous: number }) => {
      written += p.t.length;
      return pick(p, s);
    };
  if (layout === 'rows') {
    object(['point', 'data']);
    key('data', format, false, emit);
    await writeArray(source, format, n, emit, counted(pairs));
  } else if (layout === 'columns' || !stats?.safeTimes) {
    object(['point', 't', 'v']);
    key('t', format, false, emit);
    await writeArray(source, format, n, emit, counted(times));
    key('v', format, false, emit);
    await writeArray(source, format, n, emit, values);
  } else {
    const e = stats.e;
    object(e === null ? ['point', 't0', 'dt', 'v'] : ['point', 't0', 'dt', 'e', 'dv']);
    key('t0', format, false, emit);
    scalar(stats.t0, format, emit);
    key('dt', format, false, emit);
    await writeArray(source, format, Math.max(0, n - 1), emit, counted(deltas(times, 1, true)));
    if (e === null) {
      key('v', format, false, emit);
      await writeArray(source, format, n, emit, values);
    } else {
      key('e', format, false, emit);
      scalar(e, format, emit);
      key('dv', format, false, emit);
      await writeArray(source, format, n, emit, deltas(values, 10 ** e, false));
    }
  }
  close();
  return written;
}

/**
 * The answer's bytes, pulled by the reader: each pull writes one series (or the head, or the
 * tail), so at most one series' piece and its bytes are in memory beyond what the reader holds.
 */
export function streamAnswer(
  answer: StreamedAnswer,
  layout: Layout,
  format: Format,
): ReadableStream<Uint8Array> {
  const iterator = answer.series[Symbol.asyncIterator]();
  let samples = 0;
  let state: 'head' | 'series' | 'done' = 'head';
  let first = true;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const emit: Emit = (bytes) => controller.enqueue(bytes);
      if (state === 'head') {
        state = 'series';
        if (format === 'msgpack') emit(msgpackMap(6));
        else emit(text.encode('{'));
        let firstKey = true;
        for (const [name, value] of Object.entries(answer.head)) {
          key(name, format, firstKey, emit);
          scalar(value, format, emit);
          firstKey = false;
        }
        key('series', format, false, emit);
        emit(format === 'msgpack' ? msgpackArrayHeader(answer.count) : text.encode('['));
        return;
      }
      const next = state === 'series' ? await iterator.next() : { done: true as const, value: undefined };
      if (next.done) {
        if (format === 'json') emit(text.encode(']'));
        key('meta', format, false, emit);
        scalar(answer.meta(samples), format, emit);
        if (format === 'json') emit(text.encode('}'));
        state = 'done';
        controller.close();
        return;
      }
      if (format === 'json' && !first) emit(text.encode(','));
      first = false;
      samples += await writeSeries(next.value, layout, format, emit);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
