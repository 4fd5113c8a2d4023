// The cache's chunks at rest (src/cache/chunk-codec-v3.ts): bytes per sample of codec v3 beside
// v2 and v1 (float64 columns + gzip) per dataset and chunk width (1 point a chunk, 50 points a chunk;
// one UTC day each, points in the canonical order the read path stores them in), and the CPU of
// writing and reading them as ratios to JSON.stringify / JSON.parse of the same series (fixed
// work no change in src/ can slow). Datasets: BAS trend logs (fixtures/bas/trends.ts, the
// character of real building data) and the synthetic ACE's `realistic` and `large`.
import { basTrends } from '../../fixtures/bas/trends.ts';
import { canonicalPoints } from '../../src/cache/cache-key.ts';
import type { ChunkSeries } from '../../src/cache/chunk-codec.ts';
import { splitAtDays, splitByChunk } from '../../src/timeseries/chunks.ts';
import { packChunkSync, packV1, packV2, unpackChunkSync, unpackV1 } from '../chunk-sync.ts';
import { type Dataset, START_MS } from '../datasets.ts';
import { type Metric, pairedRatio, repeatedPair } from '../lib.ts';

const DAY_MS = 86_400_000;
export const CHUNK_WIDTHS = [1, 50] as const;
/** The BAS dataset: 100 trend logs (every fifth change of value) over 3 days. */
export const BAS_POINTS = 100;
export const BAS_DAYS = 3;

export interface ChunkRow {
  dataset: string;
  width: number;
  chunks: number;
  samples: number;
  /** What the Worker writes (codec v3), and the earlier codecs on the same chunks. */
  v3BytesPerSample: number;
  v2BytesPerSample: number;
  v1BytesPerSample: number;
}

interface Corpus {
  name: string;
  series: ChunkSeries[];
  days: number;
}

/** The day chunks of a corpus, `width` points each, in canonical point order. */
export function chunksOf(corpus: Corpus, width: number): ChunkSeries[][] {
  const byName = new Map(corpus.series.map((s) => [s.point, s]));
  const ordered = canonicalPoints([...byName.keys()]).map((p) => byName.get(p) as ChunkSeries);
  const days = splitAtDays(START_MS, START_MS + corpus.days * DAY_MS);
  const byDay = splitByChunk(ordered, days);
  const out: ChunkSeries[][] = [];
  for (const d of days) {
    const day = byDay.get(d.startMs) ?? [];
    for (let i = 0; i < day.length; i += width) out.push(day.slice(i, i + width));
  }
  return out;
}

export function basCorpus(): Corpus {
  return {
    name: 'bas',
    series: basTrends(BAS_POINTS, START_MS, START_MS + BAS_DAYS * DAY_MS),
    days: BAS_DAYS,
  };
}

function bytesRow(corpus: Corpus, width: number): ChunkRow {
  const chunks = chunksOf(corpus, width);
  let v3 = 0;
  let v2 = 0;
  let v1 = 0;
  let samples = 0;
  for (const c of chunks) {
    const packed = packChunkSync(c);
    const back = unpackChunkSync(
      packed,
      c.map((s) => s.point),
    );
    if (!back || JSON.stringify(back) !== JSON.stringify(c))
      throw new Error(`${corpus.name}: a chunk did not round-trip`);
    v3 += packed.byteLength;
    v2 += packV2(c).byteLength;
    v1 += packV1(c).byteLength;
    samples += c.reduce((n, s) => n + s.t.length, 0);
  }
  return {
    dataset: corpus.name,
    width,
    chunks: chunks.length,
    samples,
    v3BytesPerSample: v3 / samples,
    v2BytesPerSample: v2 / samples,
    v1BytesPerSample: v1 / samples,
  };
}

/** CPU of writing and reading a corpus's 50-point day chunks, against JSON of the same series. */
function cpuMetrics(corpus: Corpus): Metric[] {
  const chunks = chunksOf(corpus, 50);
  const points = chunks.map((c) => c.map((s) => s.point));
  const stored = chunks.map(packChunkSync);
  const v1 = chunks.map(packV1);
  const json = chunks.map((c) => JSON.stringify(c));
  const write = () => chunks.map(packChunkSync);
  const read = () => stored.map((b, i) => unpackChunkSync(b, points[i] as string[]));
  // 120 ms a call: a BAS chunk set decodes in a few ms, and shorter pairs measured ±40% noise.
  const ratio = (a: () => unknown, b: () => unknown) => pairedRatio(...repeatedPair(a, b, 120)).ratio;
  const id = `chunk.${corpus.name}`;
  return [
    {
      id: `${id}.encode_over_json_stringify`,
      value: ratio(write, () => chunks.map((c) => JSON.stringify(c))),
      unit: '×',
      kind: 'ratio',
    },
    {
      id: `${id}.decode_over_json_parse`,
      value: ratio(read, () => json.map((j) => JSON.parse(j))),
      unit: '×',
      kind: 'ratio',
    },
    {
      id: `${id}.v3_decode_over_v1_decode`,
      value: ratio(read, () => v1.map(unpackV1)),
      unit: '×',
      kind: 'info',
    },
  ];
}

/** Bytes per dataset × width (gated, deterministic) and the codec's CPU ratios. */
export function runChunkCodec(datasets: readonly Dataset[]): { rows: ChunkRow[]; metrics: Metric[] } {
  const corpora: Corpus[] = [
    basCorpus(),
    ...datasets
      .filter((d) => d.name === 'realistic' || d.name === 'large')
      .map((d) => ({ name: d.name, series: d.series, days: d.days })),
  ];
  const rows: ChunkRow[] = [];
  const metrics: Metric[] = [];
  for (const corpus of corpora) {
    for (const width of CHUNK_WIDTHS) {
      const row = bytesRow(corpus, width);
      rows.push(row);
      const id = `chunk.${corpus.name}.w${width}`;
      metrics.push(
        {
          id: `${id}.v3_bytes`,
          value: Math.round(row.v3BytesPerSample * row.samples),
          unit: 'B',
          kind: 'bytes',
        },
        { id: `${id}.v3_bytes_per_sample`, value: row.v3BytesPerSample, unit: 'B', kind: 'info' },
        { id: `${id}.v2_bytes_per_sample`, value: row.v2BytesPerSample, unit: 'B', kind: 'info' },
        { id: `${id}.v1_bytes_per_sample`, value: row.v1BytesPerSample, unit: 'B', kind: 'info' },
      );
    }
    if (corpus.name !== 'large') metrics.push(...cpuMetrics(corpus));
  }
  return { rows, metrics };
}
