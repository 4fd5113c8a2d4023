// A fully cached read over the in-memory limit, answered as a stream (src/timeseries/cached-answer.ts):
// 200 points a minute apart stored as the read path stores them (one codec v3 chunk a day holding
// every point), 1 M and 10 M samples, answered as JSON columns and MessagePack compact with
// every chunk read from its stored bytes each time (R2's case: no memory tier), batches of
// JOB_TASK_MAX_SAMPLES' default. Per answer: peak live memory above the start (full GCs at every
// 16th read and every read of 64 KiB or more, as answer-memory.ts), the thread CPU time of the
// whole answer, and that CPU over JSON.stringify of the same series (fixed work: no code of src/).
// Issue 15, item 3: what CACHED_STREAM_MAX_SAMPLES is sized on. Reported, not gated: minutes.
import type { ChunkSeries } from '../../src/cache/chunk-codec.ts';
import { decodeStoredChunk } from '../../src/cache/chunk-codec.ts';
import { CHUNK_ENCODING_V3, packChunkV3 } from '../../src/cache/chunk-codec-v3.ts';
import type { Format } from '../../src/encoding/codec.ts';
import type { Layout } from '../../src/encoding/layout.ts';
import { type CachedReadInput, streamCached } from '../../src/timeseries/cached-answer.ts';
import { START_MS } from '../datasets.ts';
import { type Metric, threadCpuMs } from '../lib.ts';
import { type MemoryRow, printMemoryRows } from './direct-path.ts';
import { drainPeak, live, SERIES_READS } from './export-memory.ts';

const DAY = 86_400_000;
const STEP_MS = 60_000;
const POINTS = Array.from({ length: 200 }, (_, p) => `site/ahu-${Math.floor(p / 8)}/point-${p}`);
const SIZES = [1_000_000, 10_000_000] as const;
/** JOB_TASK_MAX_SAMPLES' default (src/config.ts): what the Worker batches points by. */
const BATCH_SAMPLES = 1_000_000;
const FORMS: ReadonlyArray<[Format, Layout]> = [
  ['json', 'columns'],
  ['msgpack', 'compact'],
];

/** One day of every point: BAS-like quantized values on the minute, up to `endMs`. */
function day(startMs: number, endMs: number): ChunkSeries[] {
  return POINTS.map((point, p) => {
    const t: number[] = [];
    const v: number[] = [];
    for (let at = startMs; at < Math.min(endMs, startMs + DAY); at += STEP_MS) {
      t.push(at);
      v.push(Math.round((70 + 5 * Math.sin((at / STEP_MS + p) / 90)) * 10) / 10);
    }
    return { point, t, v };
  });
}

interface Stored {
  chunks: Uint8Array[];
  samples: number;
  endMs: number;
  /** JSON.stringify of every chunk's series, once: the fixed work the CPU is compared with. */
  stringifyMs: number;
}

async function stored(samples: number): Promise<Stored> {
  const endMs = START_MS + Math.ceil(samples / POINTS.length) * STEP_MS;
  const chunks: Uint8Array[] = [];
  let stringifyMs = 0;
  let count = 0;
  for (let at = START_MS; at < endMs; at += DAY) {
    const series = day(at, endMs);
    count += series.reduce((n, s) => n + s.t.length, 0);
    const t0 = threadCpuMs();
    JSON.stringify(series);
    stringifyMs += threadCpuMs() - t0;
    chunks.push(await packChunkV3(series));
  }
  return { chunks, samples: count, endMs, stringifyMs };
}

/** The read with every chunk decoded from its bytes on every read, as from R2 (no memory tier). */
const readOf = (s: Stored): CachedReadInput => ({
  request: { site: 'bench', points: POINTS, startMs: START_MS, endMs: s.endMs, interval: 'raw' },
  chunks: s.chunks.length,
  read: (i) => decodeStoredChunk(s.chunks[i] as Uint8Array, CHUNK_ENCODING_V3, POINTS),
  estimatedSamples: 0,
});

async function answer(s: Stored, format: Format, layout: Layout) {
  const base = live();
  const t0 = threadCpuMs();
  const streamed = await streamCached(readOf(s), { layout, format, gzip: false }, BATCH_SAMPLES);
  if (!streamed) throw new Error('a stored chunk did not decode');
  const { peak, bytes, gcMs } = await drainPeak(streamed.body, base, SERIES_READS);
  return { peak, bytes, cpuMs: threadCpuMs() - t0 - gcMs };
}

export async function runCachedAnswer(): Promise<{ memory: MemoryRow[]; metrics: Metric[] }> {
  const memory: MemoryRow[] = [];
  const metrics: Metric[] = [];
  for (const total of SIZES) {
    const s = await stored(total);
    const storedBytes = s.chunks.reduce((n, c) => n + c.byteLength, 0);
    const size = `${total / 1e6}M`;
    for (const [format, layout] of FORMS) {
      const { peak, bytes, cpuMs } = await answer(s, format, layout);
      const ratio = cpuMs / s.stringifyMs;
      memory.push({
        name: `cached ${format} ${layout} answer streamed, ${size} samples: peak above the start`,
        bytes: peak,
        note: `${s.chunks.length} chunks, ${(storedBytes / 1e6).toFixed(1)} MB stored → ${(bytes / 1e6).toFixed(0)} MB; CPU ${(cpuMs / 1000).toFixed(2)} s (${((cpuMs * 1e6) / s.samples).toFixed(0)} ns a sample, ${ratio.toFixed(1)}× JSON.stringify of the series)`,
      });
      metrics.push(
        { id: `memory.cached_answer.${format}.${size}.peak_bytes`, value: peak, unit: 'B', kind: 'info' },
        {
          id: `cpu.cached_answer.${format}.${size}.ns_per_sample`,
          value: (cpuMs * 1e6) / s.samples,
          unit: 'ns',
          kind: 'info',
        },
      );
    }
  }
  return { memory, metrics };
}

// `node --expose-gc bench/suites/cached-answer.ts` prints the rows alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { memory } = await runCachedAnswer();
  printMemoryRows(memory);
}
