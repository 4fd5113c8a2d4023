// Encodings: JSON and MessagePack in rows and columns layout (src/encoding), plus the cache's
// f64 chunk codec, on each dataset. Bytes (raw, gzip via CompressionStream as the Worker does it,
// brotli via node:zlib as a reference) are deterministic; CPU per sample is reported, and gated
// only as ratios to JSON measured in the same run.
import { brotliCompressSync, constants } from 'node:zlib';
import { decodeChunk, encodeChunk } from '../../src/cache/chunk-codec.ts';
import { decode, encode, type Format } from '../../src/encoding/codec.ts';
import { type Layout, layOut } from '../../src/encoding/layout.ts';
import type { Dataset } from '../datasets.ts';
import { get, importUnchecked, type Metric, medianMs, slowed, type TimedTask } from '../lib.ts';

// src/encoding/gzip.ts (see importUnchecked for why it is not a static import).
const { gzip } = await importUnchecked<{ gzip(bytes: Uint8Array): Promise<Uint8Array> }>(
  'src/encoding/gzip.ts',
);

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

const VARIANTS: readonly { variant: string; format: Format; layout: Layout }[] = [
  { variant: 'json-rows', format: 'json', layout: 'rows' },
  { variant: 'json-columns', format: 'json', layout: 'columns' },
  { variant: 'msgpack-rows', format: 'msgpack', layout: 'rows' },
  { variant: 'msgpack-columns', format: 'msgpack', layout: 'columns' },
];

const brotli = (bytes: Uint8Array) =>
  brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } }).byteLength;

/** The encoder as the Worker runs it (lay out, then encode); BENCH_SLOW=<variant>-encode runs it twice. */
function encoder(ds: Dataset, format: Format, layout: Layout, variant: string): () => Uint8Array {
  const once = () => encode(layOut(ds.series, layout), format);
  if (!slowed(`${variant}-encode`)) return once;
  return () => {
    once();
    return once();
  };
}

export async function runEncoding(
  datasets: readonly Dataset[],
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
    for (const { variant, format, layout } of VARIANTS) {
      const enc = encoder(ds, format, layout, variant);
      const bytes = enc();
      bytesOf.set(variant, bytes);
      tasks.push({ name: `${variant}:encode`, fn: enc });
      tasks.push({ name: `${variant}:decode`, fn: () => decode(bytes, format) });
      tasks.push({ name: `${variant}:gzip`, fn: () => gzip(bytes) });
    }
    const chunk = encodeChunk(ds.series);
    bytesOf.set('chunk-f64', chunk);
    tasks.push({ name: 'chunk-f64:encode', fn: () => encodeChunk(ds.series) });
    tasks.push({ name: 'chunk-f64:decode', fn: () => decodeChunk(chunk) });
    tasks.push({ name: 'chunk-f64:gzip', fn: () => gzip(chunk) });
    const ms = await medianMs(tasks, opts);

    for (const [variant, bytes] of bytesOf) {
      const gz = (await gzip(bytes)).byteLength;
      const br = brotli(bytes);
      const row: EncodingRow = {
        dataset: ds.name,
        variant,
        samples: n,
        encodeNsPerSample: (get(ms, `${variant}:encode`) * 1e6) / n,
        decodeNsPerSample: (get(ms, `${variant}:decode`) * 1e6) / n,
        gzipNsPerSample: (get(ms, `${variant}:gzip`) * 1e6) / n,
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
    // Same-run CPU ratios: gated on medium only; reported for large (3 iterations per round there,
    // too noisy to gate: up to 74% between runs); `small` is too short to time stably.
    const ratioKind = ds.name === 'medium' ? 'ratio' : 'info';
    if (ds.name !== 'small') {
      for (const layout of ['rows', 'columns'] as const) {
        for (const op of ['encode', 'decode'] as const) {
          metrics.push({
            id: `encoding.${ds.name}.msgpack-${layout}_over_json-${layout}.${op}`,
            value: get(ms, `msgpack-${layout}:${op}`) / get(ms, `json-${layout}:${op}`),
            unit: '×',
            kind: ratioKind,
          });
        }
      }
      metrics.push({
        id: `encoding.${ds.name}.json-columns_over_json-rows.encode`,
        value: get(ms, 'json-columns:encode') / get(ms, 'json-rows:encode'),
        unit: '×',
        kind: ratioKind,
      });
    }
  }
  return { rows, metrics };
}
