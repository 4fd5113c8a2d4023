// Encodings: JSON and MessagePack in rows and columns layout (src/encoding), plus the cache's
// f64 chunk codec, on each dataset. Bytes (raw, gzip via CompressionStream as the Worker does it,
// brotli via node:zlib as a reference) are deterministic; CPU per sample is reported, and each
// API encoding's encode and decode are gated as ratios to a fixed-work reference measured in the
// same run: JSON.stringify of the dataset's own series objects, JSON.parse of that text. Nothing in
// src/ runs inside a reference, so slowing any measured path raises its ratio and fails the gate.
import { brotliCompressSync, constants } from 'node:zlib';
import { decodeChunk, encodeChunk } from '../../src/cache/chunk-codec.ts';
import { decode, encode, type Format } from '../../src/encoding/codec.ts';
import { gzip } from '../../src/encoding/gzip.ts';
import { type Layout, layOut } from '../../src/encoding/layout.ts';
import { assertRoundTrip, type CompactSeries, fromCompact, toCompact } from '../compact-layout.ts';
import type { Dataset } from '../datasets.ts';
import { type Metric, medianMs, pairedRatio, repeatedPair, slowed, type TimedTask } from '../lib.ts';

/** Brotli quality for the reference sizes: 5 (≈ what CDNs use on the fly; 11 takes minutes on `large`). */
export const BROTLI_QUALITY = 5;

export interface EncodingRow {
  dataset: string;
  variant: string;
  samples: number;
  encodeNsPerSample: number;
  decodeNsPerSample: number;
  gzipNsPerSample: number;
  rawBytesPerSample: number;
  gzipBytesPerSample: number;
  brotliBytesPerSample: number;
  /** Sizes relative to ACE's row JSON of the same data (raw to raw, gzip to gzip, brotli to brotli). */
  rawVsAce: number;
  gzipVsAce: number;
  brotliVsAce: number;
}

/** `compact` is the trial layout of bench/compact-layout.ts (delta times, scaled-integer value deltas). */
type BenchLayout = Layout | 'compact';

const VARIANTS: readonly { variant: string; format: Format; layout: BenchLayout }[] = [
  { variant: 'json-rows', format: 'json', layout: 'rows' },
  { variant: 'json-columns', format: 'json', layout: 'columns' },
  { variant: 'msgpack-rows', format: 'msgpack', layout: 'rows' },
  { variant: 'msgpack-columns', format: 'msgpack', layout: 'columns' },
  { variant: 'json-compact', format: 'json', layout: 'compact' },
  { variant: 'msgpack-compact', format: 'msgpack', layout: 'compact' },
];

const lay = (series: Dataset['series'], layout: BenchLayout): unknown =>
  layout === 'compact' ? series.map(toCompact) : layOut(series, layout);

/** Decoding as a client would: the bytes, then (for the trial) back to columns. BENCH_SLOW=<variant>-decode: twice. */
function decoder(bytes: Uint8Array, format: Format, layout: BenchLayout, variant: string): () => unknown {
  const once =
    layout !== 'compact'
      ? () => decode(bytes, format)
      : () => (decode(bytes, format) as CompactSeries[]).map(fromCompact);
  if (!slowed(`${variant}-decode`)) return once;
  return () => {
    once();
    return once();
  };
}

/** The API's encodings, each gated against the fixed references (the compact pair is a trial). */
export const GATED_VARIANTS = ['json-rows', 'json-columns', 'msgpack-rows', 'msgpack-columns'] as const;

const brotli = (bytes: Uint8Array) =>
  brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } }).byteLength;

/** The encoder as the Worker runs it (lay out, then encode); BENCH_SLOW=<variant>-encode runs it twice. */
function encoder(ds: Dataset, format: Format, layout: BenchLayout, variant: string): () => Uint8Array {
  const once = () => encode(lay(ds.series, layout), format);
  if (!slowed(`${variant}-encode`)) return once;
  return () => {
    once();
    return once();
  };
}

/**
 * `timings: false` (the gate) skips the tinybench timings, which are reported only: the gate needs
 * the bytes and the paired ratios, and gets them in a fraction of the time.
 */
export async function runEncoding(
  datasets: readonly Dataset[],
  { timings }: { timings: boolean } = { timings: true },
): Promise<{ rows: EncodingRow[]; metrics: Metric[] }> {
  const rows: EncodingRow[] = [];
  const metrics: Metric[] = [];
  for (const ds of datasets) {
    const n = ds.samples;
    const aceBytes = new TextEncoder().encode(ds.aceJson);
    const aceGzip = (await gzip(aceBytes)).byteLength;
    const aceBrotli = brotli(aceBytes);
    const perSample = (b: number) => b / n;
    // Budget: big datasets get few iterations, small ones a short time budget.
    const opts =
      n > 50_000
        ? { timeMs: 100, iterations: 3, gcEachIteration: true }
        : { timeMs: 100, iterations: 8, gcEachIteration: false };
    const tasks: TimedTask[] = [];
    const bytesOf = new Map<string, Uint8Array>();
    assertRoundTrip(ds.series);
    for (const { variant, format, layout } of VARIANTS) {
      const enc = encoder(ds, format, layout, variant);
      const bytes = enc();
      bytesOf.set(variant, bytes);
      tasks.push({ name: `${variant}:encode`, fn: enc });
      tasks.push({ name: `${variant}:decode`, fn: decoder(bytes, format, layout, variant) });
      tasks.push({ name: `${variant}:gzip`, fn: () => gzip(bytes) });
    }
    const chunk = encodeChunk(ds.series);
    bytesOf.set('chunk-f64', chunk);
    tasks.push({ name: 'chunk-f64:encode', fn: () => encodeChunk(ds.series) });
    tasks.push({ name: 'chunk-f64:decode', fn: () => decodeChunk(chunk) });
    tasks.push({ name: 'chunk-f64:gzip', fn: () => gzip(chunk) });
    const ms = timings ? await medianMs(tasks, opts) : new Map<string, number>();
    const at = (name: string) => ms.get(name) ?? Number.NaN;

    for (const [variant, bytes] of bytesOf) {
      const gz = (await gzip(bytes)).byteLength;
      const br = brotli(bytes);
      const row: EncodingRow = {
        dataset: ds.name,
        variant,
        samples: n,
        encodeNsPerSample: (at(`${variant}:encode`) * 1e6) / n,
        decodeNsPerSample: (at(`${variant}:decode`) * 1e6) / n,
        gzipNsPerSample: (at(`${variant}:gzip`) * 1e6) / n,
        rawBytesPerSample: perSample(bytes.byteLength),
        gzipBytesPerSample: perSample(gz),
        brotliBytesPerSample: perSample(br),
        rawVsAce: bytes.byteLength / aceBytes.byteLength,
        gzipVsAce: gz / aceGzip,
        brotliVsAce: br / aceBrotli,
      };
      rows.push(row);
      const id = `encoding.${ds.name}.${variant}`;
      metrics.push(
        { id: `${id}.raw_bytes`, value: bytes.byteLength, unit: 'B', kind: 'bytes' },
        { id: `${id}.gzip_bytes`, value: gz, unit: 'B', kind: 'bytes' },
        { id: `${id}.brotli_bytes`, value: br, unit: 'B', kind: 'bytes' },
        { id: `${id}.encode_ns_per_sample`, value: row.encodeNsPerSample, unit: 'ns', kind: 'info' },
        { id: `${id}.decode_ns_per_sample`, value: row.decodeNsPerSample, unit: 'ns', kind: 'info' },
      );
    }
    rows.push({
      dataset: ds.name,
      variant: 'ace-rows (reference)',
      samples: n,
      encodeNsPerSample: Number.NaN,
      decodeNsPerSample: Number.NaN,
      gzipNsPerSample: Number.NaN,
      rawBytesPerSample: perSample(aceBytes.byteLength),
      gzipBytesPerSample: perSample(aceGzip),
      brotliBytesPerSample: perSample(aceBrotli),
      rawVsAce: 1,
      gzipVsAce: 1,
      brotliVsAce: 1,
    });
    metrics.push(
      { id: `encoding.${ds.name}.samples`, value: n, unit: 'samples', kind: 'info' },
      { id: `encoding.${ds.name}.ace.raw_bytes`, value: aceBytes.byteLength, unit: 'B', kind: 'info' },
    );
    // Same-run CPU ratios (the gate's CPU figures): measured as interleaved pairs in thread CPU
    // time (lib.ts pairedRatio), not from the tinybench medians above; `small` is too short. The
    // references are built from the dataset alone, outside src/: fixed work for every tree.
    if (ds.name !== 'small') {
      const fn = new Map(tasks.map((t) => [t.name, t.fn]));
      const referenceText = JSON.stringify(ds.series);
      const stringify = () => JSON.stringify(ds.series);
      const parse = () => JSON.parse(referenceText);
      // Each side repeated to ~120 ms: the first allocation-heavy call after the full GC pays a
      // fixed start-up cost (a medium MessagePack decode: 11 ms alone, 15 ms twice), which in a
      // single call hides half of a doubled path.
      const ratio = (a: () => unknown, b: () => unknown) => pairedRatio(...repeatedPair(a, b, 120)).ratio;
      for (const variant of GATED_VARIANTS) {
        const [encode, decodeFn] = [`${variant}:encode`, `${variant}:decode`].map(
          (n) => fn.get(n) as () => unknown,
        );
        metrics.push(
          {
            id: `encoding.${ds.name}.${variant}.encode_over_json_stringify`,
            value: ratio(encode as () => unknown, stringify),
            unit: '×',
            kind: 'ratio',
          },
          {
            id: `encoding.${ds.name}.${variant}.decode_over_json_parse`,
            value: ratio(decodeFn as () => unknown, parse),
            unit: '×',
            kind: 'ratio',
          },
        );
      }
      const pair = (a: string, b: string) =>
        pairedRatio(fn.get(a) as () => unknown, fn.get(b) as () => unknown);
      // The compact trial against the API's best (json-columns): reported, not gated (a trial).
      for (const fmt of ['json', 'msgpack'] as const) {
        const c = `${fmt}-compact`;
        metrics.push({
          id: `encoding.${ds.name}.${c}_over_json-columns.encode`,
          value: pair(`${c}:encode`, 'json-columns:encode').ratio,
          unit: '×',
          kind: 'info',
        });
        if (timings)
          metrics.push({
            id: `encoding.${ds.name}.${c}_over_json-columns.encode_gzip`,
            value:
              (at(`${c}:encode`) + at(`${c}:gzip`)) / (at('json-columns:encode') + at('json-columns:gzip')),
            unit: '×',
            kind: 'info',
          });
      }
    }
  }
  return { rows, metrics };
}
